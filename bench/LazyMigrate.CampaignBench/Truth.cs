using System.Text.Json.Nodes;
using Npgsql;

namespace LazyMigrate.CampaignBench;

/// <summary>Our store read with plain SQL, beside the product's own code: the figures the dashboard should show, and the audit's rows.</summary>
internal sealed class Store(string connectionString, string connection)
{
    public async Task<Dashboard> TruthAsync(long legacyTotal)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE i."ImportJobId" IS NULL),
                   count(*) FILTER (WHERE i."ImportJobId" IS NOT NULL),
                   count(*) FILTER (WHERE i."ImportJobId" IS NOT NULL AND u."PasswordHash" LIKE 'legacy:%'),
                   count(*) FILTER (WHERE i."ImportJobId" IS NOT NULL AND u."PasswordHash" IS NULL)
              FROM "UserIdentities" i JOIN "AspNetUsers" u ON u."Id" = i."UserId"
             WHERE i."Connection" = @connection AND i."Origin" = 'Imported'
            """, db);
        command.Parameters.AddWithValue("connection", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var migrated = reader.GetInt64(0);
        return new Dashboard(migrated, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), Math.Max(0, legacyTotal - migrated));
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("connection", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every user imported from the connection, by legacy id (a list per id: more than one is a duplicate).</summary>
    public async Task<Dictionary<string, List<StoredUser>>> UsersAsync()
    {
        var users = new Dictionary<string, List<StoredUser>>(StringComparer.Ordinal);
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT i."LegacyId", i."ImportJobId" IS NOT NULL, u."Email", u."EmailConfirmed", u."UserName", u."GivenName", u."FamilyName",
                   u."Name", u."PhoneNumber", u."UserMetadata"::text, u."AppMetadata"::text, u."PasswordHash"
              FROM "UserIdentities" i JOIN "AspNetUsers" u ON u."Id" = i."UserId"
             WHERE i."Connection" = @connection AND i."Origin" = 'Imported'
            """, db);
        command.Parameters.AddWithValue("connection", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            var user = new StoredUser(reader.GetString(0), reader.GetBoolean(1), Text(2), reader.GetBoolean(3), Text(4), Text(5), Text(6), Text(7), Text(8),
                Text(9) is { } um ? JsonNode.Parse(um) : null, Text(10) is { } am ? JsonNode.Parse(am) : null, Text(11));
            if (!users.TryGetValue(user.LegacyId, out var list))
            {
                users[user.LegacyId] = list = [];
            }

            list.Add(user);
        }

        return users;
    }

    public async Task<Dictionary<string, string?>> HashesAsync(IEnumerable<string> legacyIds)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT i."LegacyId", u."PasswordHash" FROM "UserIdentities" i JOIN "AspNetUsers" u ON u."Id" = i."UserId"
             WHERE i."Connection" = @connection AND i."LegacyId" = ANY(@ids)
            """, db);
        command.Parameters.AddWithValue("connection", connection);
        command.Parameters.AddWithValue("ids", legacyIds.ToArray());
        var hashes = new Dictionary<string, string?>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            hashes[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return hashes;
    }
}

internal sealed record StoredUser(string LegacyId, bool Bulk, string? Email, bool EmailConfirmed, string? UserName, string? GivenName, string? FamilyName,
    string? Name, string? Phone, JsonNode? UserMetadata, JsonNode? AppMetadata, string? PasswordHash);

/// <summary>What a native hash of this server looks like: ASP.NET Core Identity v3, HMAC-SHA512, the configured iterations.</summary>
internal static class NativeHash
{
    public const int Iterations = 220_000;

    public static bool IsNative(string? hash)
    {
        if (hash is null || hash.StartsWith("legacy:", StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[hash.Length];
        if (!Convert.TryFromBase64String(hash, bytes, out var length) || length < 13 || bytes[0] != 0x01)
        {
            return false;
        }

        var prf = (bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4];
        var iterations = (bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
        return prf == 2 && iterations == Iterations;
    }
}
