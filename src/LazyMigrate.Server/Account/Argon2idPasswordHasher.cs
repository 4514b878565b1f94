using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using NSec.Cryptography;

namespace LazyMigrate.Server.Account;

/// <summary>
/// Native hashes with Argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane), through libsodium (NSec): the native
/// code runs a hash in a fraction of a managed implementation's time, which is what sign-ins per second hang on.
/// Stored as the standard PHC string (<c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>, unpadded base64), which any
/// Argon2 library reads, so an export or a later move keeps working. Such a value never starts like Identity's base64
/// hashes or <see cref="LegacyCredential.Prefix"/>.
/// </summary>
public sealed class Argon2idPasswordHasher : IPasswordHasher<User>
{
    public const string Prefix = "$argon2id$";
    public const int MemoryKiB = 19 * 1024;
    public const int Passes = 2;
    public const int Lanes = 1;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    private static readonly PasswordBasedKeyDerivationAlgorithm Algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(
        new Argon2Parameters { DegreeOfParallelism = Lanes, MemorySize = MemoryKiB, NumberOfPasses = Passes });

    private static readonly string Parameters = string.Create(CultureInfo.InvariantCulture, $"v=19$m={MemoryKiB},t={Passes},p={Lanes}");

    public static bool IsArgon2id(string hashedPassword) => hashedPassword.StartsWith(Prefix, StringComparison.Ordinal);

    public string HashPassword(User user, string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(Algorithm, password, salt, HashBytes);
        return $"{Prefix}{Parameters}${Unpadded(salt)}${Unpadded(hash)}";
    }

    /// <summary>Verifies a value this class wrote; one with other parameters (an older cost) verifies as needing a rehash.</summary>
    public PasswordVerificationResult VerifyHashedPassword(User user, string hashedPassword, string providedPassword)
    {
        var parts = hashedPassword.Split('$');
        // "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || !TryParameters(parts[3], out var memory, out var passes, out var lanes)
            || !TryUnpadded(parts[4], out var salt) || !TryUnpadded(parts[5], out var expected) || salt.Length < 8 || expected.Length < 16)
        {
            return PasswordVerificationResult.Failed;
        }

        var current = memory == MemoryKiB && passes == Passes && lanes == Lanes;
        PasswordBasedKeyDerivationAlgorithm algorithm;
        try
        {
            algorithm = current ? Algorithm : PasswordBasedKeyDerivationAlgorithm.Argon2id(
                new Argon2Parameters { DegreeOfParallelism = lanes, MemorySize = memory, NumberOfPasses = passes });
        }
        catch (ArgumentException)
        {
            // Parameters libsodium does not support (several lanes): such a value is not ours.
            return PasswordVerificationResult.Failed;
        }

        var actual = Derive(algorithm, providedPassword, salt, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return PasswordVerificationResult.Failed;
        }

        return current ? PasswordVerificationResult.Success : PasswordVerificationResult.SuccessRehashNeeded;
    }

    /// <summary>
    /// The password as UTF-8 bytes, as Argon2's reference and every other library take it. (NSec's overload taking a
    /// string derives something else, which no other implementation would verify.)
    /// </summary>
    private static byte[] Derive(PasswordBasedKeyDerivationAlgorithm algorithm, string password, byte[] salt, int length)
    {
        var bytes = Encoding.UTF8.GetBytes(password);
        try
        {
            return algorithm.DeriveBytes(bytes, salt, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static bool TryParameters(string text, out int memory, out int passes, out int lanes)
    {
        memory = passes = lanes = 0;
        var fields = text.Split(',');
        return fields.Length == 3
            && fields[0].StartsWith("m=", StringComparison.Ordinal) && int.TryParse(fields[0].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out memory)
            && fields[1].StartsWith("t=", StringComparison.Ordinal) && int.TryParse(fields[1].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out passes)
            && fields[2].StartsWith("p=", StringComparison.Ordinal) && int.TryParse(fields[2].AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out lanes)
            // Bounds against a stored value that would make one verification take the whole machine's memory or time.
            && memory is >= 8 and <= 1024 * 1024 && passes is >= 1 and <= 64 && lanes == 1;
    }

    private static string Unpadded(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static bool TryUnpadded(string text, out byte[] bytes)
    {
        bytes = [];
        var padded = (text.Length % 4) switch { 2 => text + "==", 3 => text + "=", 0 => text, _ => null };
        if (padded is null)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
