using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LazyMigrate.Testing;

/// <summary>How a sample user's password is kept in the file.</summary>
public enum SampleHash
{
    /// <summary>No hash: imported as "reset required".</summary>
    None,

    /// <summary>Unsalted MD5, hex (Auth0 custom_password_hash md5).</summary>
    Md5,

    /// <summary>SHA-256 of salt + password, hex, salt as UTF-8 prefix (Auth0 custom_password_hash sha256).</summary>
    Sha256,

    /// <summary>bcrypt at cost 4, one hash shared by every such user (they share <see cref="SampleUserFiles.BcryptPassword"/>).</summary>
    Bcrypt,
}

/// <summary>A user of a generated import file, with the password its hash was made from.</summary>
public sealed record SampleUser(int Index, string Id, string Email, string Username, string Password, SampleHash Hash);

/// <summary>
/// Generates import files of any size in every supported format, from users whose passwords are known, so a test can
/// import them and sign them in. Hashes are cheap ones (MD5, salted SHA-256, bcrypt at cost 4 shared by all its users).
/// </summary>
public static class SampleUserFiles
{
    public const string BcryptPassword = "bcrypt sample password";

    private static readonly Lazy<string> SharedBcrypt = new(() => BCrypt.Net.BCrypt.HashPassword(BcryptPassword, 4));

    /// <param name="hashes">The hash kinds to cycle through, row by row.</param>
    public static IReadOnlyList<SampleUser> Users(int count, string tag, params SampleHash[] hashes)
    {
        hashes = hashes.Length == 0 ? [SampleHash.Md5, SampleHash.Sha256, SampleHash.Md5, SampleHash.Sha256, SampleHash.None] : hashes;
        return [.. Enumerable.Range(1, count).Select(i =>
        {
            var hash = hashes[(i - 1) % hashes.Length];
            var password = hash == SampleHash.Bcrypt ? BcryptPassword : $"pw-{tag}-{i}";
            return new SampleUser(i, $"{tag}|{i}", $"user{i}-{tag}@bulk.example", $"user{i}-{tag}", password, hash);
        })];
    }

    /// <summary>The user as Auth0's bulk-import schema writes it.</summary>
    public static JsonObject Auth0(SampleUser user)
    {
        var row = new JsonObject
        {
            ["user_id"] = user.Id,
            ["email"] = user.Email,
            ["email_verified"] = true,
            ["username"] = user.Username,
            ["given_name"] = "Given" + user.Index.ToString(CultureInfo.InvariantCulture),
            ["family_name"] = "Family",
            ["name"] = $"Given{user.Index} Family",
            ["user_metadata"] = new JsonObject { ["index"] = user.Index },
        };
        switch (user.Hash)
        {
            case SampleHash.Md5:
                row["custom_password_hash"] = new JsonObject
                {
                    ["algorithm"] = "md5",
                    ["hash"] = new JsonObject { ["value"] = Md5Hex(user.Password), ["encoding"] = "hex" },
                };
                break;
            case SampleHash.Sha256:
                var salt = "salt" + user.Index.ToString(CultureInfo.InvariantCulture);
                row["custom_password_hash"] = new JsonObject
                {
                    ["algorithm"] = "sha256",
                    ["hash"] = new JsonObject { ["value"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(salt + user.Password))), ["encoding"] = "hex" },
                    ["salt"] = new JsonObject { ["value"] = salt, ["encoding"] = "utf8", ["position"] = "prefix" },
                };
                break;
            case SampleHash.Bcrypt:
                row["password_hash"] = SharedBcrypt.Value;
                break;
        }

        return row;
    }

    // The legacy systems' own weak hash, reproduced to make their files: never used to protect anything here.
#pragma warning disable CA5351
    private static string Md5Hex(string password) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password)));
#pragma warning restore CA5351

    public static string Auth0Json(IEnumerable<SampleUser> users) =>
        "[\n" + string.Join(",\n", users.Select(u => Auth0(u).ToJsonString())) + "\n]\n";

    public static string JsonLines(IEnumerable<SampleUser> users) => string.Concat(users.Select(u => Auth0(u).ToJsonString() + "\n"));

    /// <summary>FusionAuth's import body, pretty-printed (one field a line, as FusionAuth's examples are).</summary>
    public static string FusionAuth(IEnumerable<SampleUser> users)
    {
        var list = new JsonArray();
        foreach (var user in users)
        {
            var row = new JsonObject
            {
                ["email"] = user.Email,
                ["username"] = user.Username,
                ["verified"] = true,
                ["firstName"] = "Given" + user.Index.ToString(CultureInfo.InvariantCulture),
                ["lastName"] = "Family",
                ["fullName"] = $"Given{user.Index} Family",
                ["data"] = new JsonObject { ["index"] = user.Index },
            };
            if (user.Hash == SampleHash.Bcrypt)
            {
                var hash = SharedBcrypt.Value;
                row["encryptionScheme"] = "bcrypt";
                row["factor"] = 4;
                row["salt"] = hash[7..29];
                row["password"] = hash[29..];
            }
            else if (user.Hash != SampleHash.None)
            {
                throw new ArgumentException("FusionAuth sample files hold bcrypt hashes or none", nameof(users));
            }

            list.Add(row);
        }

        return new JsonObject { ["validateDbConstraints"] = false, ["users"] = list }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>CSV with our own header names: md5 and sha256 rows name their algorithm and salt in their columns.</summary>
    public static string Csv(IEnumerable<SampleUser> users)
    {
        var text = new StringBuilder("user_id,email,username,given_name,family_name,email_verified,password_hash,hash_algorithm,hash_encoding,salt,salt_position\n");
        foreach (var user in users)
        {
            var (hash, algorithm, salt) = user.Hash switch
            {
                SampleHash.Md5 => (Md5Hex(user.Password), "md5", ""),
                SampleHash.Sha256 => (Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("salt" + user.Index + user.Password))), "sha256", "salt" + user.Index),
                SampleHash.Bcrypt => (SharedBcrypt.Value, "bcrypt", ""),
                _ => ("", "", ""),
            };
            text.Append(CultureInfo.InvariantCulture,
                $"{user.Id},{user.Email},{user.Username},\"Given{user.Index}\",Family,true,{hash},{algorithm},{(hash.Length > 0 && algorithm != "bcrypt" ? "hex" : "")},{salt},{(salt.Length > 0 ? "prefix" : "")}\n");
        }

        return text.ToString();
    }
}
