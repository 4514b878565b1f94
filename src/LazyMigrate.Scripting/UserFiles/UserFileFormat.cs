namespace LazyMigrate.Scripting.UserFiles;

/// <summary>The file formats an import reads.</summary>
public enum UserFileFormat
{
    /// <summary>Auth0's bulk-import file: a JSON array of users in Auth0's user schema.</summary>
    Auth0,

    /// <summary>The same user objects, one per line (JSON Lines), as LazyMigrate's export writes them.</summary>
    JsonLines,

    /// <summary>FusionAuth's import request body: <c>{"users": [...]}</c>.</summary>
    FusionAuth,

    /// <summary>Comma- (or semicolon-, tab-) separated values with a header row, mapped by <see cref="CsvColumns"/>.</summary>
    Csv,
}

/// <summary>How the files' formats are named in the API, the command line and the job.</summary>
public static class UserFileFormats
{
    public static readonly IReadOnlyDictionary<string, UserFileFormat> ByName = new Dictionary<string, UserFileFormat>(StringComparer.OrdinalIgnoreCase)
    {
        ["auth0"] = UserFileFormat.Auth0,
        ["jsonl"] = UserFileFormat.JsonLines,
        ["fusionauth"] = UserFileFormat.FusionAuth,
        ["csv"] = UserFileFormat.Csv,
    };

    public static string Name(UserFileFormat format) => format switch
    {
        UserFileFormat.Auth0 => "auth0",
        UserFileFormat.JsonLines => "jsonl",
        UserFileFormat.FusionAuth => "fusionauth",
        _ => "csv",
    };

    /// <summary>
    /// Tells the format from the first bytes: a JSON array is Auth0's file; an object with a top-level
    /// <c>users</c> array is FusionAuth's; any other object starts JSON Lines; anything else is CSV.
    /// </summary>
    public static UserFileFormat Detect(ReadOnlySpan<byte> prefix)
    {
        if (prefix.StartsWith("\uFEFF"u8))
        {
            prefix = prefix[3..];
        }

        var first = prefix.TrimStart(" \t\r\n"u8);
        if (first.IsEmpty || first[0] is not ((byte)'[' or (byte)'{'))
        {
            return UserFileFormat.Csv;
        }

        if (first[0] == (byte)'[')
        {
            return UserFileFormat.Auth0;
        }

        try
        {
            // The first object's top-level properties: FusionAuth's body has "users" (an array) among its few scalars.
            var reader = new System.Text.Json.Utf8JsonReader(first, isFinalBlock: false, state: default);
            reader.Read();
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                var isUsers = reader.ValueTextEquals("users"u8);
                if (!reader.Read())
                {
                    break;
                }

                if (isUsers && reader.TokenType == System.Text.Json.JsonTokenType.StartArray)
                {
                    return UserFileFormat.FusionAuth;
                }

                if (reader.TokenType is System.Text.Json.JsonTokenType.StartObject or System.Text.Json.JsonTokenType.StartArray && !reader.TrySkip())
                {
                    break;
                }
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON after all: the row reader will say what is wrong with the first line.
        }

        return UserFileFormat.JsonLines;
    }
}

/// <summary>
/// Which CSV header names hold which field. Fields are Auth0's names (user_id, email, email_verified, username,
/// given_name, family_name, name, nickname, picture, phone_number, phone_verified, blocked, user_metadata,
/// app_metadata) and the hash's: password_hash, with hash_algorithm (a format LegacyPasswordHash.FromFormat names),
/// hash_encoding, salt, salt_encoding, salt_position, password_encoding, iterations, digest, key and key_encoding for
/// hashes that do not name their format. A field not mapped is looked for under its own name.
/// </summary>
public sealed record CsvColumns(IReadOnlyDictionary<string, string>? Map = null)
{
    public static readonly IReadOnlyList<string> Fields =
    [
        "user_id", "email", "email_verified", "username", "given_name", "family_name", "name", "nickname", "picture",
        "phone_number", "phone_verified", "blocked", "user_metadata", "app_metadata",
        "password_hash", "hash_algorithm", "hash_encoding", "salt", "salt_encoding", "salt_position", "password_encoding",
        "iterations", "digest", "key", "key_encoding",
    ];

    public string HeaderOf(string field) => Map is not null && Map.TryGetValue(field, out var header) ? header : field;
}
