using System.Globalization;
using System.Net.Mail;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>
/// Turns what a script returned into a <see cref="LegacyProfile"/>: our field names, Auth0 and Authing names mapped
/// onto them, unknown fields kept in <c>userMetadata</c>, a stable string id required, email syntax checked, and
/// the whole profile capped in size so a script cannot make us store megabytes per user.
/// </summary>
internal static class ProfileNormaliser
{
    public const int MaxProfileBytes = 64 * 1024;

    private const int MaxIdLength = 255;

    // Every name a script may use for a field we know, per style: ours, Auth0's, Authing's.
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["id"] = "id", ["user_id"] = "id", ["userId"] = "id", ["_id"] = "id",
        ["email"] = "email",
        ["emailVerified"] = "emailVerified", ["email_verified"] = "emailVerified",
        ["username"] = "username", ["preferred_username"] = "username", ["userName"] = "username",
        ["name"] = "name",
        ["givenName"] = "givenName", ["given_name"] = "givenName",
        ["familyName"] = "familyName", ["family_name"] = "familyName",
        ["nickname"] = "nickname",
        ["picture"] = "picture", ["photo"] = "picture",
        ["phoneNumber"] = "phoneNumber", ["phone_number"] = "phoneNumber", ["phone"] = "phoneNumber",
        ["phoneVerified"] = "phoneVerified", ["phone_verified"] = "phoneVerified", ["phoneNumberVerified"] = "phoneVerified",
        ["userMetadata"] = "userMetadata", ["user_metadata"] = "userMetadata",
        ["appMetadata"] = "appMetadata", ["app_metadata"] = "appMetadata",
        ["mfa"] = "mfa", ["mfa_factors"] = "mfaFactors", ["mfaFactors"] = "mfaFactors",
    };

    /// <summary>Normalises plain profile data (as read from the script); returns an error message instead of throwing.</summary>
    public static (LegacyProfile? Profile, string? Error) Normalise(IReadOnlyDictionary<string, object?> fields)
    {
        var size = JsonSerializer.SerializeToUtf8Bytes(fields).Length;
        if (size > MaxProfileBytes)
        {
            return (null, $"the profile is {size} bytes; at most {MaxProfileBytes} are kept");
        }

        var known = new Dictionary<string, object?>(StringComparer.Ordinal);
        var extra = new JsonObject();
        foreach (var (key, value) in fields)
        {
            if (Aliases.TryGetValue(key, out var canonical))
            {
                // Our own name wins over an alias when a script sends both.
                if (!known.ContainsKey(canonical) || key == canonical)
                {
                    known[canonical] = value;
                }
            }
            else if (value is not null)
            {
                extra[key] = ToNode(value);
            }
        }

        var id = known.GetValueOrDefault("id") switch
        {
            string s => s.Trim(),
            double d when Math.Floor(d) == d && Math.Abs(d) < 9e15 => ((long)d).ToString(CultureInfo.InvariantCulture),
            _ => null,
        };
        if (string.IsNullOrEmpty(id))
        {
            return (null, "the profile has no id (or user_id): a stable legacy identifier is required");
        }

        if (id.Length > MaxIdLength)
        {
            return (null, $"the profile id is longer than {MaxIdLength} characters");
        }

        string? email = null;
        if (Text(known, "email") is { Length: > 0 } rawEmail)
        {
            email = NormaliseEmail(rawEmail);
            if (email is null)
            {
                return (null, "the profile email is not a valid address");
            }
        }

        var userMetadata = known.GetValueOrDefault("userMetadata") is IReadOnlyDictionary<string, object?> metadata
            ? (JsonObject)ToNode(metadata)!
            : new JsonObject();
        foreach (var (key, value) in extra.ToList())
        {
            extra.Remove(key);
            if (!userMetadata.ContainsKey(key))
            {
                userMetadata[key] = value;
            }
        }

        var (mfa, mfaProblem) = MfaNormaliser.Normalise(known.GetValueOrDefault("mfa"), known.GetValueOrDefault("mfaFactors"));
        if (mfaProblem is not null)
        {
            // Never half an import: a user whose factor cannot be carried over is not imported without it.
            return (null, mfaProblem);
        }

        return (new LegacyProfile
        {
            Id = id,
            Email = email,
            EmailVerified = Flag(known, "emailVerified"),
            Username = Text(known, "username"),
            Name = Text(known, "name"),
            GivenName = Text(known, "givenName"),
            FamilyName = Text(known, "familyName"),
            Nickname = Text(known, "nickname"),
            Picture = Text(known, "picture"),
            PhoneNumber = Text(known, "phoneNumber"),
            PhoneVerified = Flag(known, "phoneVerified"),
            UserMetadata = userMetadata.Count > 0 ? userMetadata : null,
            AppMetadata = known.GetValueOrDefault("appMetadata") is IReadOnlyDictionary<string, object?> app ? (JsonObject)ToNode(app)! : null,
            Mfa = mfa,
        }, null);
    }

    /// <summary>Trims, checks the syntax and lower-cases the domain (the local part is the legacy system's business).</summary>
    public static string? NormaliseEmail(string email)
    {
        // NFC: "é" typed as e + combining accent is the same address as the precomposed "é".
        email = email.Trim().Normalize(System.Text.NormalizationForm.FormC);
        var at = email.LastIndexOf('@');
        if (at <= 0 || at == email.Length - 1 || email.Length > 254 || email.Any(char.IsWhiteSpace)
            || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !email[(at + 1)..].Contains('.', StringComparison.Ordinal))
        {
            return null;
        }

        return email[..at] + "@" + email[(at + 1)..].ToLowerInvariant();
    }

    private static string? Text(Dictionary<string, object?> known, string key) => known.GetValueOrDefault(key) switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => null,
    };

    private static bool Flag(Dictionary<string, object?> known, string key) => known.GetValueOrDefault(key) switch
    {
        bool b => b,
        double d => d != 0,
        string s => s.Equals("true", StringComparison.OrdinalIgnoreCase) || s == "1" || s.Equals("t", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        byte[] bytes => JsonValue.Create(Convert.ToHexStringLower(bytes)),
        IReadOnlyDictionary<string, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, ToNode(p.Value)))),
        IEnumerable<object?> list => new JsonArray(list.Select(ToNode).ToArray()),
        _ => JsonValue.Create(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };
}
