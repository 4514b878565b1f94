using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.Sandbox;

namespace LazyMigrate.Scripting.UserFiles;

/// <summary>
/// Turns one user of a file into an <see cref="ImportRow"/>, the same way for every format: the address is checked
/// and normalised like a script's profile, the legacy id is the file's (or derived from the address, then the
/// username, so a second run of the same file finds the same identities), and the hash is checked for format and
/// work factor before anything is written. A row that cannot be imported is refused with its reason; the others go on.
/// </summary>
internal static class UserRows
{
    /// <summary>Auth0's user schema (bulk import), plus the phone fields and what an export adds and an import ignores.</summary>
    private static readonly HashSet<string> Auth0Fields =
    [
        "email", "email_verified", "user_id", "username", "given_name", "family_name", "name", "nickname", "picture", "blocked",
        "app_metadata", "user_metadata", "password_hash", "custom_password_hash", "mfa_factors", "phone_number", "phone_verified",
        "identities", "created_at", "updated_at", "last_login", "logins_count",
    ];

    public static ImportRow FromAuth0(string position, JsonElement user)
    {
        if (user.ValueKind != JsonValueKind.Object)
        {
            return Refused(position, "NotAnObject", "the row is not a JSON object");
        }

        var fields = new Fields(position);
        foreach (var property in user.EnumerateObject())
        {
            if (!Auth0Fields.Contains(property.Name))
            {
                // Auth0 refuses unknown fields too: a misspelt password_hash must not import users without a password.
                return Refused(position, "UnknownField", $"unknown field '{property.Name}'", Text(user, "user_id"), Text(user, "email"));
            }
        }

        try
        {
            fields.Id = Fields.String(user, "user_id");
            fields.Email = Fields.String(user, "email");
            fields.EmailVerified = Fields.Bool(user, "email_verified");
            fields.Username = Fields.String(user, "username");
            fields.GivenName = Fields.String(user, "given_name");
            fields.FamilyName = Fields.String(user, "family_name");
            fields.Name = Fields.String(user, "name");
            fields.Nickname = Fields.String(user, "nickname");
            fields.Picture = Fields.String(user, "picture");
            fields.PhoneNumber = Fields.String(user, "phone_number");
            fields.PhoneVerified = Fields.Bool(user, "phone_verified");
            fields.Blocked = Fields.Bool(user, "blocked");
            fields.UserMetadata = Fields.Object(user, "user_metadata");
            fields.AppMetadata = Fields.Object(user, "app_metadata");
            fields.Identities = Fields.ReadIdentities(user);
            if (user.TryGetProperty("mfa_factors", out var factors) && factors.ValueKind != JsonValueKind.Null)
            {
                // Auth0's export shape: [{ totp: { secret } }, { phone: { value } }, { email: { value } }], read like a script's.
                var (mfa, problem) = MfaNormaliser.Normalise(null, Plain(factors));
                if (problem is not null)
                {
                    return fields.Refuse("InvalidMfa", problem);
                }

                fields.Mfa = mfa;
            }

            var bcrypt = Fields.String(user, "password_hash");
            var custom = user.TryGetProperty("custom_password_hash", out var c) && c.ValueKind != JsonValueKind.Null ? c : (JsonElement?)null;
            if (bcrypt is not null && custom is not null)
            {
                return fields.Refuse("AmbiguousHash", "password_hash and custom_password_hash are both given");
            }

            fields.Hash = bcrypt is not null ? LegacyPasswordHash.FromBcrypt(bcrypt)
                : custom is { } descriptor ? LegacyPasswordHash.FromAuth0(JsonNode.Parse(descriptor.GetRawText())!)
                : null;
        }
        catch (FieldException ex)
        {
            return fields.Refuse("InvalidField", ex.Message);
        }
        catch (LegacyHashFormatException ex)
        {
            return fields.Refuse("InvalidHash", ex.Message);
        }

        return fields.Finish();
    }

    /// <summary>FusionAuth's import user; <paramref name="defaults"/> are the request's top-level encryptionScheme and factor.</summary>
    public static ImportRow FromFusionAuth(string position, JsonElement user, IReadOnlyDictionary<string, JsonElement> defaults)
    {
        if (user.ValueKind != JsonValueKind.Object)
        {
            return Refused(position, "NotAnObject", "the row is not a JSON object");
        }

        var fields = new Fields(position);
        try
        {
            fields.Id = Fields.String(user, "id");
            fields.Email = Fields.String(user, "email");
            fields.EmailVerified = Fields.Bool(user, "verified");
            fields.Username = Fields.String(user, "username");
            fields.GivenName = Fields.String(user, "firstName");
            fields.FamilyName = Fields.String(user, "lastName");
            fields.Name = Fields.String(user, "fullName");
            fields.Picture = Fields.String(user, "imageUrl");
            fields.PhoneNumber = Fields.String(user, "mobilePhone");
            fields.Blocked = user.TryGetProperty("active", out var active) && active.ValueKind == JsonValueKind.False;
            fields.UserMetadata = Fields.Object(user, "data");
            if (user.TryGetProperty("twoFactor", out var twoFactor) && twoFactor.ValueKind == JsonValueKind.Object)
            {
                var (mfa, problem) = FusionAuthFactors(twoFactor);
                if (problem is not null)
                {
                    return fields.Refuse("InvalidMfa", problem);
                }

                fields.Mfa = mfa;
            }

            var password = Fields.String(user, "password");
            if (password is not null)
            {
                var scheme = Fields.String(user, "encryptionScheme") ?? (defaults.TryGetValue("encryptionScheme", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null)
                    ?? throw new FieldException("encryptionScheme is missing (on the user or the request)");
                var factor = Fields.Int(user, "factor") ?? (defaults.TryGetValue("factor", out var f) && f.TryGetInt32(out var n) ? n : null);
                fields.Hash = LegacyPasswordHash.FromFusionAuth(scheme,
                    factor ?? throw new FieldException("factor is missing (on the user or the request)"),
                    Fields.String(user, "salt") ?? string.Empty, password);
            }
        }
        catch (FieldException ex)
        {
            return fields.Refuse("InvalidField", ex.Message);
        }
        catch (LegacyHashFormatException ex)
        {
            return fields.Refuse("InvalidHash", ex.Message);
        }

        return fields.Finish();
    }

    /// <summary>A CSV row, its columns already picked by name (<see cref="CsvColumns.Fields"/>); empty cells are absent.</summary>
    public static ImportRow FromCsv(string position, Func<string, string?> column)
    {
        var fields = new Fields(position);
        try
        {
            fields.Id = column("user_id");
            fields.Email = column("email");
            fields.EmailVerified = Flag(column("email_verified"), "email_verified");
            fields.Username = column("username");
            fields.GivenName = column("given_name");
            fields.FamilyName = column("family_name");
            fields.Name = column("name");
            fields.Nickname = column("nickname");
            fields.Picture = column("picture");
            fields.PhoneNumber = column("phone_number");
            fields.PhoneVerified = Flag(column("phone_verified"), "phone_verified");
            fields.Blocked = Flag(column("blocked"), "blocked");
            fields.UserMetadata = JsonObjectCell(column("user_metadata"), "user_metadata");
            fields.AppMetadata = JsonObjectCell(column("app_metadata"), "app_metadata");
            if (column("password_hash") is { } hash)
            {
                fields.Hash = CsvHash(hash, column);
            }
        }
        catch (FieldException ex)
        {
            return fields.Refuse("InvalidField", ex.Message);
        }
        catch (LegacyHashFormatException ex)
        {
            return fields.Refuse("InvalidHash", ex.Message);
        }

        return fields.Finish();
    }

    /// <summary>
    /// A CSV row's hash: a self-describing string (bcrypt, PHC, crypt(3), Django, ldap, ASP.NET Identity) needs no
    /// more; other formats are named in <c>hash_algorithm</c>, with their salt and settings in the other columns
    /// (see <see cref="LegacyPasswordHash.FromFormat"/>).
    /// </summary>
    private static LegacyPasswordHash CsvHash(string hash, Func<string, string?> column)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (string[])["hash_encoding", "salt_encoding", "salt_position", "password_encoding", "iterations", "digest", "key", "key_encoding"])
        {
            if (column(name) is { } value)
            {
                parameters[name] = value;
            }
        }

        return LegacyPasswordHash.FromFormat(column("hash_algorithm") ?? "auto", hash, column("salt"), parameters);
    }

    public static ImportRow Refused(string position, string reason, string detail, string? legacyId = null, string? email = null) =>
        new(position, legacyId is null && email is null ? null : new LegacyProfile { Id = legacyId ?? string.Empty, Email = email }, null,
            new ImportRefusal(reason, detail));

    private static string? Text(JsonElement user, string name) =>
        user.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(string? value, string name) => value?.ToLowerInvariant() switch
    {
        null or "" or "false" or "0" or "no" => false,
        "true" or "1" or "yes" => true,
        _ => throw new FieldException($"{name} must be true or false"),
    };

    private static JsonObject? JsonObjectCell(string? value, string name)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(value) as JsonObject ?? throw new FieldException($"{name} must be a JSON object");
        }
        catch (JsonException)
        {
            throw new FieldException($"{name} must be a JSON object");
        }
    }

    private sealed class FieldException(string message) : Exception(message);

    /// <summary>The fields of one row as they are read, then checked together.</summary>
    /// <summary>
    /// FusionAuth's <c>twoFactor.methods</c>: an <c>authenticator</c> method's secret is base64 there (RFC 4648 section 4),
    /// base32 in every app, so it is re-encoded; <c>sms</c> and <c>email</c> methods keep their number or address.
    /// </summary>
    private static (LegacyMfa? Mfa, string? Error) FusionAuthFactors(JsonElement twoFactor)
    {
        if (!twoFactor.TryGetProperty("methods", out var methods) || methods.ValueKind != JsonValueKind.Array)
        {
            return (null, null);
        }

        var factors = new List<object?>();
        var index = 0;
        foreach (var method in methods.EnumerateArray())
        {
            var kind = method.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            switch (kind)
            {
                case "authenticator":
                    var secret = method.TryGetProperty("secret", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                    byte[] bytes;
                    try
                    {
                        bytes = Convert.FromBase64String(secret ?? "");
                    }
                    catch (FormatException)
                    {
                        return (null, $"twoFactor.methods[{index}].secret is not base64");
                    }

                    factors.Add(new Dictionary<string, object?> { ["totp"] = new Dictionary<string, object?> { ["secret"] = ToBase32(bytes) } });
                    break;
                case "sms":
                    factors.Add(new Dictionary<string, object?> { ["phone"] = new Dictionary<string, object?> { ["value"] = method.TryGetProperty("mobilePhone", out var p) ? p.GetString() : null } });
                    break;
                case "email":
                    factors.Add(new Dictionary<string, object?> { ["email"] = new Dictionary<string, object?> { ["value"] = method.TryGetProperty("email", out var e) ? e.GetString() : null } });
                    break;
                default:
                    return (null, $"twoFactor.methods[{index}].method is not one LazyMigrate carries over (authenticator, sms, email)");
            }

            index++;
        }

        return MfaNormaliser.Normalise(null, factors);
    }

    /// <summary>RFC 4648 base32, unpadded, as authenticator apps read keys.</summary>
    internal static string ToBase32(byte[] bytes)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new System.Text.StringBuilder((bytes.Length * 8 + 4) / 5);
        int buffer = 0, bits = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                output.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }

        if (bits > 0)
        {
            output.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }

        return output.ToString();
    }

    /// <summary>A JSON value as the plain data a script returns (objects, arrays, strings, numbers, booleans).</summary>
    private static object? Plain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        JsonValueKind.Array => value.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    private sealed class Fields(string position)
    {
        public string? Id { get; set; }
        public string? Email { get; set; }
        public bool EmailVerified { get; set; }
        public string? Username { get; set; }
        public string? GivenName { get; set; }
        public string? FamilyName { get; set; }
        public string? Name { get; set; }
        public string? Nickname { get; set; }
        public string? Picture { get; set; }
        public string? PhoneNumber { get; set; }
        public bool PhoneVerified { get; set; }
        public bool Blocked { get; set; }
        public JsonObject? UserMetadata { get; set; }
        public JsonObject? AppMetadata { get; set; }

        public LegacyMfa? Mfa { get; set; }
        public LegacyPasswordHash? Hash { get; set; }
        public IReadOnlyList<CarriedIdentity> Identities { get; set; } = [];

        public static string? String(JsonElement user, string name) =>
            !user.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
            : value.ValueKind == JsonValueKind.String ? NullIfEmpty(value.GetString())
            : value.ValueKind == JsonValueKind.Number && name is "user_id" or "id" ? value.GetRawText()
            : throw new FieldException($"{name} must be a string");

        public static bool Bool(JsonElement user, string name) =>
            !user.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? false
            : value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean()
            : throw new FieldException($"{name} must be true or false");

        public static int? Int(JsonElement user, string name) =>
            !user.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
            : value.TryGetInt32(out var number) ? number
            : throw new FieldException($"{name} must be an integer");

        public static JsonObject? Object(JsonElement user, string name) =>
            !user.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
            : value.ValueKind == JsonValueKind.Object ? JsonNode.Parse(value.GetRawText())!.AsObject()
            : throw new FieldException($"{name} must be an object");

        /// <summary>
        /// <c>identities</c>: objects with <c>connection</c> and <c>user_id</c> (LazyMigrate's export and Auth0's user
        /// export both write these), and optionally <c>email</c>, <c>email_verified</c> and <c>profile</c>. Other
        /// fields (<c>origin</c>, Auth0's <c>provider</c>, <c>isSocial</c>) are read past: they describe the old system.
        /// </summary>
        public static List<CarriedIdentity> ReadIdentities(JsonElement user)
        {
            if (!user.TryGetProperty("identities", out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new FieldException("identities must be an array");
            }

            var identities = new List<CarriedIdentity>();
            var index = 0;
            foreach (var identity in value.EnumerateArray())
            {
                var at = $"identities[{index++.ToString(CultureInfo.InvariantCulture)}]";
                if (identity.ValueKind != JsonValueKind.Object)
                {
                    throw new FieldException($"{at} must be an object");
                }

                var connection = String(identity, "connection") ?? throw new FieldException($"{at}.connection is missing");
                var id = String(identity, "user_id") ?? throw new FieldException($"{at}.user_id is missing");
                if (connection.Length > 128 || id.Length > 256)
                {
                    throw new FieldException($"{at}: connection is at most 128 characters and user_id 256");
                }

                var profile = identity.TryGetProperty("profile", out var p) && p.ValueKind != JsonValueKind.Null
                    ? p.ValueKind == JsonValueKind.Object ? p.GetRawText() : throw new FieldException($"{at}.profile must be an object")
                    : null;
                identities.Add(new CarriedIdentity(connection, id, String(identity, "email"), Bool(identity, "email_verified"), profile));
            }

            return identities;
        }

        public ImportRow Refuse(string reason, string detail) => Refused(position, reason, detail, Id, Email);

        public ImportRow Finish()
        {
            string? email = null;
            if (Email is not null)
            {
                email = ProfileNormaliser.NormaliseEmail(Email);
                if (email is null)
                {
                    return Refuse("InvalidEmail", "email is not a valid address");
                }
            }

            if (email is null && Username is null)
            {
                return Refuse("MissingEmail", "the row has neither an email nor a username");
            }

            // Without the file's id, the address (else the username) stands for it: the same row always gets the
            // same identity, so running the file again, or after a crash, finds what the first run wrote.
            var id = Id ?? (email is not null ? email.ToLowerInvariant() : "username:" + Username!.ToLowerInvariant());
            if (id.Length > 256)
            {
                return Refuse("InvalidField", "user_id is longer than 256 characters");
            }

            if (Hash is not null)
            {
                try
                {
                    LegacyPasswordVerifier.Check(Hash);
                }
                catch (Exception ex) when (ex is LegacyHashFormatException or FormatException or ArgumentException)
                {
                    // The reason names the format or the cap that was exceeded; never the hash.
                    return Refuse("InvalidHash", ex is LegacyHashFormatException ? ex.Message : $"the {Hash.Format} hash cannot be read");
                }
            }

            var profile = new LegacyProfile
            {
                Id = id,
                Email = email,
                EmailVerified = EmailVerified,
                Username = Username,
                Name = Name,
                GivenName = GivenName,
                FamilyName = FamilyName,
                Nickname = Nickname,
                Picture = Picture,
                PhoneNumber = PhoneNumber,
                PhoneVerified = PhoneVerified,
                UserMetadata = UserMetadata,
                AppMetadata = AppMetadata,
                Mfa = Mfa,
            };
            return new ImportRow(position, profile, Hash) { Blocked = Blocked, Identities = Identities };
        }

        private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
