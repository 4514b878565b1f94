using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LazyMigrate.Scripting.Crypto;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using NSec.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace LazyMigrate.CampaignBench;

/// <summary>How a legacy user's password is kept in the legacy table.</summary>
internal enum HashFormat
{
    Bcrypt,
    Sha256,
    Md5,
    Pbkdf2,
    Argon2,
    Phpass,
    AspNetIdentity,

    /// <summary>No usable hash: bulk-imported as "reset required", never signs in with a password.</summary>
    None,
}

/// <summary>One legacy user as the bench seeded it: every field the audit compares, and the plain password.</summary>
internal sealed record LegacyUser(
    int Id, string Email, string Username, string? GivenName, string? FamilyName, string? Name, string? Phone, bool EmailVerified,
    string Locale, bool Newsletter, string Plan, DateTimeOffset CreatedAt, HashFormat Format, string Password)
{
    public string CreatedText => CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>
/// The legacy database: N users with mixed hash formats, every hash computed in parallel by a maintained library
/// (BCrypt.Net-Next, .NET's PBKDF2/SHA-256/MD5, libsodium Argon2 through NSec, ASP.NET Core Identity's hasher; phpass by the
/// product's own verifier's encoder, which its tests check against passlib and hashcat vectors), at low work factors
/// so seeding stays quick, written with one binary COPY. Every user's password is a function of the index, so the
/// audit can sign anyone in.
/// </summary>
internal static class LegacySeed
{
    private static readonly string[] GivenNames = ["Ada", "Grace", "Zoë", "José", "Łukasz", "Amélie", "Søren", "Mei", "Oluwaseun", "Björk"];
    private static readonly string[] FamilyNames = ["Lovelace", "Hopper", "Müller", "O'Brien", "García", "Nakamura", "Dvořák", "Smith"];
    private static readonly string[] Locales = ["en-GB", "fr-FR", "de-DE", "ja-JP", "pt-BR"];
    private static readonly string[] Plans = ["free", "pro", "team"];

    public static string Password(int id) => string.Create(CultureInfo.InvariantCulture, $"pw-{id}-{(uint)(id * 2654435761u):x8}");

    /// <summary>The format of user <paramref name="id"/>: a fixed mix, bcrypt the commonest, a few users without a hash.</summary>
    public static HashFormat FormatOf(int id) => (id * 37 % 100) switch
    {
        < 24 => HashFormat.Bcrypt,
        < 39 => HashFormat.Sha256,
        < 49 => HashFormat.Md5,
        < 63 => HashFormat.Pbkdf2,
        < 73 => HashFormat.Argon2,
        < 85 => HashFormat.Phpass,
        < 98 => HashFormat.AspNetIdentity,
        _ => HashFormat.None,
    };

    public static LegacyUser User(int id)
    {
        var created = new DateTimeOffset(2012, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(id * 3_117L % 400_000_000L);
        var given = id % 17 == 0 ? null : GivenNames[id % GivenNames.Length];
        var family = id % 19 == 0 ? null : FamilyNames[id % FamilyNames.Length];
        return new LegacyUser(
            id,
            $"user{id}@campaign.example",
            $"user{id}",
            given,
            family,
            given is null && family is null ? null : $"{given} {family}".Trim(),
            id % 3 == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"+4420{id:D8}"),
            id % 5 != 0,
            Locales[id % Locales.Length],
            id % 2 == 0,
            Plans[id % Plans.Length],
            created,
            FormatOf(id),
            Password(id));
    }

    public static async Task<LegacyUser[]> SeedAsync(string connectionString, int count)
    {
        var users = new LegacyUser[count];
        var hashes = new (string? Hash, string? Salt)[count];
        Parallel.For(0, count, i =>
        {
            users[i] = User(i + 1);
            hashes[i] = Hash(users[i]);
        });

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("""
            CREATE TABLE users (
                id integer PRIMARY KEY, email text NOT NULL UNIQUE, username text NOT NULL UNIQUE,
                first_name text, last_name text, display_name text, phone text, email_verified boolean NOT NULL,
                locale text NOT NULL, newsletter boolean NOT NULL, plan text NOT NULL, created_at timestamptz NOT NULL,
                hash_format text NOT NULL, password_hash text, password_salt text);
            """, connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY users (id, email, username, first_name, last_name, display_name, phone, email_verified, locale, newsletter, plan, created_at, hash_format, password_hash, password_salt) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < count; i++)
            {
                var u = users[i];
                await copy.StartRowAsync();
                await copy.WriteAsync(u.Id, NpgsqlDbType.Integer);
                await copy.WriteAsync(u.Email, NpgsqlDbType.Text);
                await copy.WriteAsync(u.Username, NpgsqlDbType.Text);
                await WriteNullableAsync(copy, u.GivenName);
                await WriteNullableAsync(copy, u.FamilyName);
                await WriteNullableAsync(copy, u.Name);
                await WriteNullableAsync(copy, u.Phone);
                await copy.WriteAsync(u.EmailVerified, NpgsqlDbType.Boolean);
                await copy.WriteAsync(u.Locale, NpgsqlDbType.Text);
                await copy.WriteAsync(u.Newsletter, NpgsqlDbType.Boolean);
                await copy.WriteAsync(u.Plan, NpgsqlDbType.Text);
                await copy.WriteAsync(u.CreatedAt, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(FormatName(u.Format), NpgsqlDbType.Text);
                await WriteNullableAsync(copy, hashes[i].Hash);
                await WriteNullableAsync(copy, hashes[i].Salt);
            }

            await copy.CompleteAsync();
        }

        await using (var index = new NpgsqlCommand("CREATE INDEX users_lower_email ON users (lower(email)); CREATE INDEX users_lower_username ON users (lower(username)); ANALYZE users;", connection))
        {
            await index.ExecuteNonQueryAsync();
        }

        return users;
    }

    public static string FormatName(HashFormat format) => format switch
    {
        HashFormat.AspNetIdentity => "aspnet-identity",
        _ => format.ToString().ToLowerInvariant(),
    };

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            await copy.WriteNullAsync();
        }
        else
        {
            await copy.WriteAsync(value, NpgsqlDbType.Text);
        }
    }

    private static readonly PasswordHasher<object> AspNetIdentityV3 = new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = 1_000,
    }));

    // The legacy systems' own weak hashes, reproduced to seed their database: never used to protect anything here.
#pragma warning disable CA5351
    private static readonly PasswordBasedKeyDerivationAlgorithm SeedArgon2 = PasswordBasedKeyDerivationAlgorithm.Argon2id(
        new Argon2Parameters { DegreeOfParallelism = 1, MemorySize = 1024, NumberOfPasses = 1 });

    private static (string? Hash, string? Salt) Hash(LegacyUser user)
    {
        var password = Encoding.UTF8.GetBytes(user.Password);
        var salt = SHA256.HashData(BitConverter.GetBytes(user.Id))[..16];
        switch (user.Format)
        {
            case HashFormat.Bcrypt:
                return (BCrypt.Net.BCrypt.HashPassword(user.Password, 4), null);
            case HashFormat.Sha256:
                var text = Convert.ToHexStringLower(salt[..8]);
                return (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text + user.Password))), text);
            case HashFormat.Md5:
                return (Convert.ToHexStringLower(MD5.HashData(password)), null);
            case HashFormat.Pbkdf2:
                // The PHC form Auth0 documents: $pbkdf2-<digest>$i=…,l=…$salt$hash, unpadded base64.
                var key = Rfc2898DeriveBytes.Pbkdf2(password, salt, 1_000, HashAlgorithmName.SHA256, 32);
                return ($"$pbkdf2-sha256$i=1000,l=32${B64(salt)}${B64(key)}", null);
            case HashFormat.Argon2:
                // libsodium, not Konscious: Konscious blocks on tasks of its own inside each hash, which starves the
                // thread pool when hashes run in parallel (100,000 seeded users stalled with 850 threads).
                return ($"$argon2id$v=19$m=1024,t=1,p=1${B64(salt)}${B64(SeedArgon2.DeriveBytes(password, salt, 32))}", null);

            case HashFormat.Phpass:
                // 2^7 rounds, phpass's minimum; an 8-character salt from crypt's alphabet.
                var setting = "$P$5" + string.Concat(salt[..8].Select(b => LegacyEncodings.CryptAlphabet[b % 64]));
                return (Phpass.Compute(false, setting, password), null);
            case HashFormat.AspNetIdentity:
                return (AspNetIdentityV3.HashPassword(user, user.Password), null);
            default:
                return (null, null);
        }
    }
#pragma warning restore CA5351

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');
}
