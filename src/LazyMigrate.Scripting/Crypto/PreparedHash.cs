using System.Security.Cryptography;
using Konscious.Security.Cryptography;

namespace LazyMigrate.Scripting.Crypto;

/// <summary>
/// A hash whose structure and work factors <see cref="LegacyPasswordVerifier"/> has checked, with every field
/// decoded: what is left is to hash a password and compare, in constant time.
/// </summary>
internal abstract class PreparedHash
{
    public required PasswordEncoding Encoding { get; init; }

    public abstract bool Matches(string password);

    /// <summary>The memory one verification allocates beyond a few kilobytes: only the memory-hard formats (scrypt, argon2) have any.</summary>
    public virtual long MemoryBytes => 0;

    protected byte[] Secret(string password) => LegacyEncodings.PasswordBytes(password, Encoding);

    /// <summary>salt ‖ secret, or secret ‖ salt.</summary>
    protected static byte[] Salted(byte[] secret, byte[] salt, bool suffix)
    {
        if (salt.Length == 0)
        {
            return secret;
        }

        var message = new byte[secret.Length + salt.Length];
        (suffix ? secret : salt).CopyTo(message, 0);
        (suffix ? salt : secret).CopyTo(message, suffix ? secret.Length : salt.Length);
        return message;
    }

    protected static bool Equal(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected) => CryptographicOperations.FixedTimeEquals(actual, expected);
}

/// <summary>H(salt ‖ password) or H(password ‖ salt), optionally iterated (FusionAuth's factor: H applied n times).</summary>
internal sealed class DigestHash : PreparedHash
{
    public required DigestKind Kind { get; init; }

    public required byte[] Expected { get; init; }

    public required byte[] Salt { get; init; }

    public required bool SaltSuffix { get; init; }

    public int Iterations { get; init; } = 1;

    public override bool Matches(string password)
    {
        var message = Salted(Secret(password), Salt, SaltSuffix);
        Span<byte> digest = stackalloc byte[LegacyDigests.Size(Kind)];
        LegacyDigests.Hash(Kind, message, digest);
        if (Iterations > 1)
        {
            var round = LegacyDigests.Bouncy(Kind);
            for (var i = 1; i < Iterations; i++)
            {
                round.BlockUpdate(digest);
                round.DoFinal(digest);
            }
        }

        CryptographicOperations.ZeroMemory(message);
        return Equal(digest, Expected);
    }
}

/// <summary>HMAC(key, salt ‖ password) (Auth0's hmac; FusionAuth's salted-hmac-sha256 keys it with the salt instead).</summary>
internal sealed class HmacHash : PreparedHash
{
    public required DigestKind Kind { get; init; }

    public required byte[] Key { get; init; }

    public required byte[] Expected { get; init; }

    public required byte[] Salt { get; init; }

    public required bool SaltSuffix { get; init; }

    public override bool Matches(string password)
    {
        var message = Salted(Secret(password), Salt, SaltSuffix);
        Span<byte> mac = stackalloc byte[LegacyDigests.Size(Kind)];
        LegacyDigests.Hmac(Kind, Key, message, mac);
        CryptographicOperations.ZeroMemory(message);
        return Equal(mac, Expected);
    }
}

internal sealed class Pbkdf2Hash : PreparedHash
{
    public required DigestKind Kind { get; init; }

    public required byte[] Salt { get; init; }

    public required int Iterations { get; init; }

    public required byte[] Expected { get; init; }

    public override bool Matches(string password)
    {
        var secret = Secret(password);
        var actual = new byte[Expected.Length];
        LegacyDigests.Pbkdf2(Kind, secret, Salt, Iterations, actual);
        CryptographicOperations.ZeroMemory(secret);
        return Equal(actual, Expected);
    }
}

internal sealed class ScryptHash : PreparedHash
{
    public required byte[] Salt { get; init; }

    public required long N { get; init; }

    public required int R { get; init; }

    public required int P { get; init; }

    public required byte[] Expected { get; init; }

    public override long MemoryBytes => 128L * N * R;

    public override bool Matches(string password)
    {
        var secret = Secret(password);
        var actual = Scrypt.DeriveKey(secret, Salt, N, R, P, Expected.Length);
        CryptographicOperations.ZeroMemory(secret);
        return Equal(actual, Expected);
    }
}

internal sealed class FirebaseHash : PreparedHash
{
    public required byte[] SaltAndSeparator { get; init; }

    public required int Rounds { get; init; }

    public required int MemCost { get; init; }

    public required byte[] SignerKey { get; init; }

    public required byte[] Expected { get; init; }

    /// <summary>Firebase's scrypt: N = 2^mem_cost, r = rounds.</summary>
    public override long MemoryBytes => 128L * (1L << MemCost) * Rounds;

    public override bool Matches(string password)
    {
        var secret = Secret(password);
        var actual = Scrypt.Firebase(secret, SaltAndSeparator, MemCost, Rounds, SignerKey);
        CryptographicOperations.ZeroMemory(secret);
        return Equal(actual, Expected);
    }
}

/// <summary>
/// bcrypt over BouncyCastle's raw function, so the exact input bytes are ours: the password in its encoding, an
/// Auth0 salt around it, Django's SHA-256 pre-hash; then OpenBSD's rule (a NUL terminator, at most 72 bytes).
/// </summary>
internal sealed class BcryptHash : PreparedHash
{
    public enum PreHash
    {
        None,

        /// <summary>Django's bcrypt_sha256: the lower-case hex of SHA-256(password).</summary>
        Sha256Hex,
    }

    public required int Cost { get; init; }

    public required byte[] Salt { get; init; }

    public required byte[] Expected { get; init; }

    public required byte[] ExtraSalt { get; init; }

    public required bool SaltSuffix { get; init; }

    public required PreHash Pre { get; init; }

    public override bool Matches(string password)
    {
        var secret = Secret(password);
        if (Pre == PreHash.Sha256Hex)
        {
            var hex = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(secret)));
            CryptographicOperations.ZeroMemory(secret);
            secret = hex;
        }

        var message = Salted(secret, ExtraSalt, SaltSuffix);
        var key = new byte[Math.Min(message.Length + 1, 72)];
        message.AsSpan(0, Math.Min(message.Length, 72)).CopyTo(key);
        var actual = Org.BouncyCastle.Crypto.Generators.BCrypt.Generate(key, Salt, Cost, false);
        CryptographicOperations.ZeroMemory(key);
        CryptographicOperations.ZeroMemory(message);
        return Equal(actual.AsSpan(0, 23), Expected);
    }
}

internal sealed class Argon2Hash : PreparedHash
{
    public enum Variant
    {
        Id,
        I,
        D,
    }

    public required Variant Type { get; init; }

    public required int Memory { get; init; }

    public required int Iterations { get; init; }

    public required int Parallelism { get; init; }

    public override long MemoryBytes => Memory * 1024L;

    public required byte[] Salt { get; init; }

    public required byte[] Expected { get; init; }

    public override bool Matches(string password)
    {
        var secret = Secret(password);
        if (secret.Length == 0)
        {
            // Konscious (the faster of the two, so the one used) refuses an empty password; Argon2 itself does not.
            return Equal(Bouncy(secret), Expected);
        }

        Argon2 argon2 = Type switch
        {
            Variant.Id => new Argon2id(secret),
            Variant.I => new Argon2i(secret),
            _ => new Argon2d(secret),
        };
        using (argon2)
        {
            argon2.Salt = Salt;
            argon2.MemorySize = Memory;
            argon2.Iterations = Iterations;
            argon2.DegreeOfParallelism = Parallelism;
            var actual = argon2.GetBytes(Expected.Length);
            CryptographicOperations.ZeroMemory(secret);
            return Equal(actual, Expected);
        }
    }

    private byte[] Bouncy(byte[] secret)
    {
        var type = Type switch
        {
            Variant.Id => Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Argon2id,
            Variant.I => Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Argon2i,
            _ => Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Argon2d,
        };
        var generator = new Org.BouncyCastle.Crypto.Generators.Argon2BytesGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Builder(type)
            .WithVersion(Org.BouncyCastle.Crypto.Parameters.Argon2Parameters.Version13)
            .WithMemoryAsKB(Memory)
            .WithIterations(Iterations)
            .WithParallelism(Parallelism)
            .WithSalt(Salt)
            .Build());
        var result = new byte[Expected.Length];
        generator.GenerateBytes(secret, result);
        return result;
    }
}

/// <summary>md5-crypt and sha-crypt: computes the encoded digest and compares it with the stored one.</summary>
internal sealed class CryptHash : PreparedHash
{
    public enum Variant
    {
        Md5,
        Sha256,
        Sha512,
    }

    public required Variant Kind { get; init; }

    public required byte[] Salt { get; init; }

    public required int Rounds { get; init; }

    public required byte[] Expected { get; init; }

    public override bool Matches(string password)
    {
        var secret = Secret(password);
        var actual = Kind == Variant.Md5
            ? UnixCrypt.Md5Crypt(secret, Salt)
            : UnixCrypt.ShaCrypt(Kind == Variant.Sha512, secret, Salt, Rounds);
        CryptographicOperations.ZeroMemory(secret);
        return Equal(System.Text.Encoding.ASCII.GetBytes(actual), Expected);
    }
}

/// <summary>phpass ($P$, $H$) and Drupal 7 ($S$; U$ for an MD5 of the password).</summary>
internal sealed class PhpassPrepared : PreparedHash
{
    public required bool Sha512 { get; init; }

    public required string Expected { get; init; }

    public required bool PreMd5 { get; init; }

    public override bool Matches(string password)
    {
        var secret = Secret(password);
        if (PreMd5)
        {
#pragma warning disable CA5351 // Drupal's U$ hashes wrap the MD5 of the password that Drupal 6 stored.
            var hex = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(secret)));
#pragma warning restore CA5351
            CryptographicOperations.ZeroMemory(secret);
            secret = hex;
        }

        var actual = Phpass.Compute(Sha512, Expected, secret);
        CryptographicOperations.ZeroMemory(secret);
        return Equal(System.Text.Encoding.ASCII.GetBytes(actual), System.Text.Encoding.ASCII.GetBytes(Expected));
    }
}
