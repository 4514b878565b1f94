using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using OtpNet;

namespace LazyMigrate.Server.Mfa;

/// <summary>
/// Identity's authenticator token provider, with one difference that matters: a code is accepted once. Identity's own
/// provider accepts any code of its window as often as it is presented; here each accepted code records its time step
/// for the user (one atomic upsert, shared by every node), and only a later step is accepted after it. The window is
/// one step either side (RFC 6238 section 5.2: clocks drift, codes are typed slowly).
/// </summary>
public sealed class AuthenticatorCodeProvider(MfaFactors factors, TimeProvider time) : IUserTwoFactorTokenProvider<User>
{
    public const string Name = "LazyMigrateAuthenticator";
    private static readonly VerificationWindow Window = new(previous: 1, future: 1);

    public async Task<bool> CanGenerateTwoFactorTokenAsync(UserManager<User> manager, User user) =>
        !string.IsNullOrWhiteSpace(await manager.GetAuthenticatorKeyAsync(user));

    /// <summary>The authenticator app makes the codes; the server never sends one.</summary>
    public Task<string> GenerateAsync(string purpose, UserManager<User> manager, User user) => Task.FromResult(string.Empty);

    public async Task<bool> ValidateAsync(string purpose, string token, UserManager<User> manager, User user)
    {
        var code = new string(token.Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray());
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return false;
        }

        var key = await manager.GetAuthenticatorKeyAsync(user);
        if (!AuthenticatorKey.TryDecode(key, out var secret))
        {
            return false;
        }

        var totp = new Totp(secret);
        return totp.VerifyTotp(time.GetUtcNow().UtcDateTime, code, out var step, Window)
            && await factors.AcceptTimeStepAsync(user.Id, step, CancellationToken.None);
    }
}

/// <summary>Authenticator keys as apps and legacy systems write them: base32 (RFC 4648), padding and spaces optional.</summary>
public static class AuthenticatorKey
{
    /// <summary>At least 80 bits (RFC 4226 asks for 128, and legacy systems often used 80); at most 512.</summary>
    private const int MinimumBytes = 10;
    private const int MaximumBytes = 64;

    public static bool TryDecode(string? key, out byte[] secret)
    {
        secret = [];
        var normalized = Normalize(key);
        if (normalized is null)
        {
            return false;
        }

        try
        {
            secret = Base32Encoding.ToBytes(normalized);
        }
        catch (ArgumentException)
        {
            return false;
        }

        return secret.Length is >= MinimumBytes and <= MaximumBytes;
    }

    /// <summary>Upper case, without spaces or padding; null when a character is not base32.</summary>
    public static string? Normalize(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var normalized = new string(key.Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray()).TrimEnd('=').ToUpperInvariant();
        return normalized.Length > 0 && normalized.All(c => c is >= 'A' and <= 'Z' or >= '2' and <= '7') ? normalized : null;
    }
}
