using System.Text.Json;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Users;

namespace LazyMigrate.Server.BulkExport;

/// <summary>
/// One user as a line of the export: Auth0's bulk-import shape (<c>user_id</c>, <c>email</c>, <c>email_verified</c>,
/// <c>username</c>, names, <c>nickname</c>, <c>picture</c>, <c>blocked</c>, <c>user_metadata</c>,
/// <c>app_metadata</c>, <c>custom_password_hash</c>) plus what Auth0's own user export carries and LazyMigrate reads
/// back: <c>phone_number</c>, <c>phone_verified</c> and <c>identities</c>, the user's legacy accounts (connection,
/// legacy id, how each came, the address and profile there). <c>user_id</c> is our id, so a re-import keeps it as
/// the legacy id of the new system.
/// </summary>
public static class ExportLine
{
    /// <param name="factors">The user's second factors, written back as Auth0's <c>mfa_factors</c> so another system (or this one) can import them.</param>
    public static void Write(Utf8JsonWriter json, User user, ExportedFactors? factors = null)
    {
        json.WriteStartObject();
        json.WriteString("user_id", user.Id.ToString());
        WriteIfSet(json, "email", user.Email);
        json.WriteBoolean("email_verified", user.EmailConfirmed);
        WriteIfSet(json, "username", user.UserName);
        WriteIfSet(json, "name", user.Name);
        WriteIfSet(json, "given_name", user.GivenName);
        WriteIfSet(json, "family_name", user.FamilyName);
        WriteIfSet(json, "nickname", user.Nickname);
        WriteIfSet(json, "picture", user.Picture);
        if (user.PhoneNumber is not null)
        {
            json.WriteString("phone_number", user.PhoneNumber);
            json.WriteBoolean("phone_verified", user.PhoneNumberConfirmed);
        }

        json.WriteBoolean("blocked", UserView.IsBlocked(user));
        WriteRaw(json, "user_metadata", user.UserMetadata);
        WriteRaw(json, "app_metadata", user.AppMetadata);
        if (ExportedPasswordHash.ToAuth0(user.PasswordHash) is { } hash)
        {
            json.WritePropertyName("custom_password_hash");
            hash.WriteTo(json);
        }

        if (factors is { IsEmpty: false })
        {
            json.WriteStartArray("mfa_factors");
            foreach (var (kind, field, value) in factors.Entries())
            {
                json.WriteStartObject();
                json.WriteStartObject(kind);
                json.WriteString(field, value);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        if (user.Identities.Count > 0)
        {
            json.WriteStartArray("identities");
            foreach (var identity in user.Identities.OrderBy(i => i.LinkedAt).ThenBy(i => i.Id))
            {
                json.WriteStartObject();
                json.WriteString("connection", identity.Connection);
                json.WriteString("user_id", identity.LegacyId);
                json.WriteString("origin", identity.Origin.ToString());
                WriteIfSet(json, "email", identity.Email);
                json.WriteBoolean("email_verified", identity.EmailVerified);
                WriteRaw(json, "profile", identity.Profile);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteRaw(Utf8JsonWriter json, string name, string? jsonValue)
    {
        if (jsonValue is not null)
        {
            json.WritePropertyName(name);
            // Stored as jsonb, so already valid JSON; written as it is, without re-encoding.
            json.WriteRawValue(jsonValue, skipInputValidation: false);
        }
    }
}
