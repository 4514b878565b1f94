using System.Text.RegularExpressions;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>
/// Reads the second factors a script returned: ours, <c>mfa: { totpSecret, phoneNumber, email }</c>, or Auth0's bulk
/// shape, <c>mfa_factors: [{ totp: { secret } }, { phone: { value } }, { email: { value } }]</c>. Anything it cannot
/// carry over faithfully is an error naming the field (never the value): a secret silently dropped would leave the
/// account with one factor fewer than its owner set up.
/// </summary>
internal static partial class MfaNormaliser
{
    /// <summary>80 bits at least (many legacy systems used 80; RFC 4226 asks for 128), 512 at most.</summary>
    private const int MinimumSecretBytes = 10;
    private const int MaximumSecretBytes = 64;

    public static (LegacyMfa? Mfa, string? Error) Normalise(object? ours, object? auth0)
    {
        if (ours is null && auth0 is null)
        {
            return (null, null);
        }

        string? totp = null, phone = null, email = null;
        if (ours is not null)
        {
            if (ours is not IReadOnlyDictionary<string, object?> fields)
            {
                return (null, "mfa must be an object: { totpSecret, phoneNumber, email }");
            }

            foreach (var (key, value) in fields)
            {
                switch (key)
                {
                    case "totpSecret" or "totp_secret":
                        totp = value as string ?? (value is null ? null : "\u0000");
                        break;
                    case "phoneNumber" or "phone_number":
                        phone = value as string;
                        break;
                    case "email":
                        email = value as string;
                        break;
                    default:
                        return (null, $"mfa.{key} is not a factor field (totpSecret, phoneNumber, email)");
                }
            }
        }

        if (auth0 is not null)
        {
            if (auth0 is not IEnumerable<object?> factors || auth0 is string)
            {
                return (null, "mfa_factors must be an array of factors ({ totp: { secret } }, { phone: { value } }, { email: { value } })");
            }

            var index = 0;
            foreach (var factor in factors)
            {
                if (factor is not IReadOnlyDictionary<string, object?> { Count: 1 } one || one.Values.Single() is not IReadOnlyDictionary<string, object?> body)
                {
                    return (null, $"mfa_factors[{index}] must be one factor: {{ totp: {{ secret }} }}, {{ phone: {{ value }} }} or {{ email: {{ value }} }}");
                }

                var (kind, _) = one.Single();
                switch (kind)
                {
                    case "totp":
                        totp = body.GetValueOrDefault("secret") as string ?? "\u0000";
                        break;
                    case "phone":
                        phone = body.GetValueOrDefault("value") as string ?? "";
                        break;
                    case "email":
                        email = body.GetValueOrDefault("value") as string ?? "";
                        break;
                    default:
                        return (null, $"mfa_factors[{index}].{kind} is not a factor LazyMigrate carries over (totp, phone, email)");
                }

                index++;
            }
        }

        string? secret = null;
        if (totp is not null)
        {
            secret = NormaliseSecret(totp);
            if (secret is null)
            {
                return (null, $"the TOTP secret is not a base32 key of {MinimumSecretBytes} to {MaximumSecretBytes} bytes (RFC 4648 letters A-Z and digits 2-7)");
            }
        }

        if (phone is not null && !E164().IsMatch(phone))
        {
            return (null, "the MFA phone number is not in E.164 form (+ and 7 to 15 digits)");
        }

        string? address = null;
        if (email is not null)
        {
            address = ProfileNormaliser.NormaliseEmail(email);
            if (address is null)
            {
                return (null, "the MFA email is not a valid address");
            }
        }

        return secret is null && phone is null && address is null
            ? (null, null)
            : (new LegacyMfa { TotpSecret = secret, PhoneNumber = phone, Email = address }, null);
    }

    /// <summary>Upper case, no spaces, dashes or padding; null unless it decodes to a key of an allowed length.</summary>
    internal static string? NormaliseSecret(string secret)
    {
        var normalized = new string(secret.Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray()).TrimEnd('=').ToUpperInvariant();
        // Base32 of whole bytes: a length whose remainder modulo 8 is 1, 3 or 6 cannot occur.
        if (normalized.Length == 0 || !normalized.All(c => c is >= 'A' and <= 'Z' or >= '2' and <= '7') || (normalized.Length % 8) is 1 or 3 or 6)
        {
            return null;
        }

        var bytes = normalized.Length * 5 / 8;
        return bytes is >= MinimumSecretBytes and <= MaximumSecretBytes ? normalized : null;
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}
