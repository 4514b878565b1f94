using System.Text.Json;
using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.LegacyConnections;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace LazyMigrate.Server.BulkImport;

/// <summary>What one page did.</summary>
public sealed record PageResult(int Created, int Linked, int Skipped, int Refused);

/// <summary>
/// Writes one page of an import in one transaction: the new users, their Imported identities, their pending links
/// (when another connection could know them)
/// and audit events, identities Linked to users already here by address, the refused rows, and the job's counts and
/// checkpoint. The page goes to a temporary table by binary COPY and is decided in a few set-based statements; the
/// unique indexes (address, username, identity) settle races with lazy sign-ins and other writers exactly as they do
/// for <see cref="UserImporter"/>: a row that loses one is decided again against what won. The job row is updated
/// only while this node holds its lease and it is Running, so a page is committed once, by one node, or not at all.
/// </summary>
public sealed class BulkUserWriter(
    LazyMigrateDbContext db,
    LegacyConnectionCatalog connections,
    ILookupNormalizer normalizer,
    Mfa.MfaCarryOver carryOver,
    TimeProvider time,
    ILogger<BulkUserWriter> logger)
{
    private const int MaxRounds = 50;

    /// <returns>Null when the job is no longer this node's to write (paused, cancelled, taken over): nothing was written.</returns>
    public async Task<PageResult?> WriteAsync(Job job, ImportPage page, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteOnceAsync(job, page, cancellationToken);
            }
            catch (LostIdentityRaceException) when (attempt < 3)
            {
                // A concurrent writer took the legacy identity of a user this page created: decide the page again.
                logger.LogInformation("Import job {JobId}: a page is written again after losing an identity to a concurrent import", job.Id);
            }
        }
    }

    private async Task<PageResult?> WriteOnceAsync(Job job, ImportPage page, CancellationToken cancellationToken)
    {
        // A user's other identities are looked for in the other Importing connections that can look an address up
        // (getUser). With none, a pending link per user would only be a row written, read and deleted for nothing:
        // with 100,000 users, 200,000 statements of the linking service that can never link anyone.
        var linkable = (await connections.ImportingAsync(cancellationToken)).Any(c => c.HasGetUser && c.Name != job.Connection);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, """
                CREATE TEMP TABLE import_rows (
                    ord int NOT NULL, position text NOT NULL, legacy_id text, email text, normalized_email text, user_name text,
                    normalized_user_name text, email_verified bool NOT NULL, phone text, phone_verified bool NOT NULL, name text,
                    given_name text, family_name text, nickname text, picture text, user_metadata jsonb, app_metadata jsonb,
                    password_hash text, blocked bool NOT NULL, profile jsonb, new_id uuid NOT NULL, stamp text NOT NULL,
                    refusal text, detail text, identities jsonb, outcome text, user_id uuid, totp_key text, mfa_phone text, mfa_email text) ON COMMIT DROP
                """, [], cancellationToken);
            await CopyAsync(connection, job.Connection!, page.Rows, cancellationToken);
            // A temporary table has no statistics nor indexes: without them the planner may join every page against all users,
            // or a page against itself row by row, instead of probing indexes; each page would cost more as the store grows.
            await ExecuteAsync(connection, """
                CREATE INDEX ON import_rows (new_id); CREATE INDEX ON import_rows (legacy_id);
                CREATE INDEX ON import_rows (normalized_email); CREATE INDEX ON import_rows (normalized_user_name);
                ANALYZE import_rows;
                """, [], cancellationToken);

            var now = time.GetUtcNow();
            var parameters = new[] { ("c", (object)job.Connection!), ("now", now), ("forever", DateTimeOffset.MaxValue) };
            await ExecuteAsync(connection, """
                UPDATE import_rows SET outcome = 'Refused' WHERE refusal IS NOT NULL;
                UPDATE import_rows r SET outcome = 'Skipped' WHERE outcome IS NULL
                    AND EXISTS (SELECT 1 FROM "UserIdentities" i WHERE i."Connection" = @c AND i."LegacyId" = r.legacy_id);
                UPDATE import_rows r SET outcome = 'Refused', refusal = 'Deleted', detail = 'The user was deleted here; deleted users are not imported again.'
                    WHERE outcome IS NULL AND EXISTS (SELECT 1 FROM "Tombstones" t
                        WHERE (t."Connection" = @c AND t."LegacyId" = r.legacy_id) OR (r.normalized_email IS NOT NULL AND t."NormalizedEmail" = r.normalized_email));
                """, parameters, cancellationToken);

            for (var round = 1; ; round++)
            {
                if (round > MaxRounds)
                {
                    throw new InvalidOperationException("An import page did not settle.");
                }

                // Rows of the page that share an id, an address or a username with an earlier one wait for the next
                // round, so each round decides every key once, as reading the rows one by one would.
                var pending = await ScalarAsync(connection, """
                    UPDATE import_rows r SET outcome = 'Later' FROM (
                        SELECT ord FROM (SELECT ord,
                            row_number() OVER (PARTITION BY legacy_id ORDER BY ord) AS by_id,
                            row_number() OVER (PARTITION BY coalesce(normalized_email, 'row:' || ord) ORDER BY ord) AS by_email,
                            row_number() OVER (PARTITION BY normalized_user_name ORDER BY ord) AS by_name
                            FROM import_rows WHERE outcome IS NULL) numbered
                        WHERE by_id > 1 OR by_email > 1 OR by_name > 1) later
                    WHERE r.ord = later.ord;
                    UPDATE import_rows r SET outcome = 'Skipped' WHERE outcome IS NULL
                        AND EXISTS (SELECT 1 FROM "UserIdentities" i WHERE i."Connection" = @c AND i."LegacyId" = r.legacy_id);
                    UPDATE import_rows r SET outcome = 'Link', user_id = u."Id" FROM "AspNetUsers" u
                        WHERE r.outcome IS NULL AND r.normalized_email IS NOT NULL AND u."NormalizedEmail" = r.normalized_email;
                    UPDATE import_rows r SET outcome = 'Refused', refusal = 'UsernameTaken', detail = 'The username belongs to another user here.'
                        WHERE outcome IS NULL AND EXISTS (SELECT 1 FROM "AspNetUsers" u WHERE u."NormalizedUserName" = r.normalized_user_name);
                    WITH created AS (
                        INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed",
                            "PasswordHash", "SecurityStamp", "ConcurrencyStamp", "PhoneNumber", "PhoneNumberConfirmed", "TwoFactorEnabled",
                            "LockoutEnd", "LockoutEnabled", "AccessFailedCount", "CreatedAt", "LastLoginAt", "MigratedAt",
                            "Name", "GivenName", "FamilyName", "Nickname", "Picture", "UserMetadata", "AppMetadata")
                        SELECT new_id, user_name, normalized_user_name, email, normalized_email, email_verified,
                            password_hash, stamp, stamp, phone, phone_verified, totp_key IS NOT NULL,
                            CASE WHEN blocked THEN @forever END, true, 0, @now, NULL, @now,
                            name, given_name, family_name, nickname, picture, user_metadata, app_metadata
                        FROM import_rows WHERE outcome IS NULL ORDER BY ord
                        ON CONFLICT DO NOTHING
                        RETURNING "Id")
                    UPDATE import_rows r SET outcome = 'Created', user_id = r.new_id FROM created WHERE r.new_id = created."Id";
                    UPDATE import_rows SET outcome = NULL WHERE outcome = 'Later';
                    SELECT count(*) FROM import_rows WHERE outcome IS NULL;
                    """, parameters, cancellationToken);
                if (pending == 0)
                {
                    break;
                }
            }

            // Identities: Imported for the users created, Linked for the users already here by address. Losing one to a
            // concurrent writer is rare (a lazy sign-in of another address with the same legacy id): the page is decided again.
            var lost = await ScalarAsync(connection, """
                WITH identities AS (
                    INSERT INTO "UserIdentities" ("UserId", "Connection", "LegacyId", "Origin", "Email", "EmailVerified", "Profile", "LinkedAt", "ImportJobId")
                    SELECT user_id, @c, legacy_id, CASE WHEN outcome = 'Created' THEN 'Imported' ELSE 'Linked' END, email, email_verified, profile, @now, @job
                    FROM import_rows WHERE outcome IN ('Created', 'Link') ORDER BY ord
                    ON CONFLICT DO NOTHING
                    RETURNING 1)
                SELECT (SELECT count(*) FROM import_rows WHERE outcome IN ('Created', 'Link')) - (SELECT count(*) FROM identities);
                """, [.. parameters, ("job", job.Id)], cancellationToken);
            if (lost > 0)
            {
                throw new LostIdentityRaceException();
            }

            await ExecuteAsync(connection, """
                UPDATE import_rows SET outcome = CASE WHEN outcome = 'Created' THEN 'Imported' ELSE 'Linked' END WHERE outcome IN ('Created', 'Link');
                """, [], cancellationToken);

            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            await using (var command = Command(connection, """
                INSERT INTO "PendingIdentityLinks" ("UserId", "DueAt", "Attempts", "CreatedAt")
                    SELECT user_id, @now, 0, @now FROM import_rows WHERE outcome = 'Imported' AND @linkable;
                -- The identities a row carries (an export's): Linked to the user it created, unless another user here has that account already.
                INSERT INTO "UserIdentities" ("UserId", "Connection", "LegacyId", "Origin", "Email", "EmailVerified", "Profile", "LinkedAt", "ImportJobId")
                    SELECT r.user_id, x.connection, x.legacy_id, 'Linked', left(x.email, 256), coalesce(x.email_verified, false), x.profile, @now, @job
                    FROM import_rows r
                    CROSS JOIN LATERAL jsonb_to_recordset(r.identities) AS x(connection text, legacy_id text, email text, email_verified bool, profile jsonb)
                    WHERE r.outcome = 'Imported' AND r.identities IS NOT NULL AND NOT (x.connection = @c AND x.legacy_id = r.legacy_id)
                    ON CONFLICT DO NOTHING;
                -- The file's factors for the users it created (already protected); a user already here keeps their own.
                INSERT INTO "AspNetUserTokens" ("UserId", "LoginProvider", "Name", "Value")
                    SELECT user_id, @store, @keyName, totp_key FROM import_rows WHERE outcome = 'Imported' AND totp_key IS NOT NULL;
                INSERT INTO "MfaFactors" ("Id", "UserId", "Kind", "CreatedAt", "ProtectedValue", "Origin")
                    SELECT gen_random_uuid(), user_id, factor.kind, @now, factor.value, 'import:' || @c
                    FROM import_rows, LATERAL (VALUES ('Authenticator', NULL, totp_key IS NOT NULL), ('Phone', mfa_phone, mfa_phone IS NOT NULL),
                        ('Email', mfa_email, mfa_email IS NOT NULL)) AS factor(kind, value, present)
                    WHERE outcome = 'Imported' AND factor.present;
                INSERT INTO "AuditEvents" ("At", "Type", "UserId", "Connection", "Reason", "Actor")
                    SELECT @now, CASE WHEN outcome = 'Imported' THEN 'UserMigrated' ELSE 'IdentityLinked' END, user_id, @c, 'BulkImport', @actor
                    FROM import_rows WHERE outcome IN ('Imported', 'Linked') ORDER BY ord;
                INSERT INTO "JobErrors" ("JobId", "Position", "Reason", "Detail", "LegacyId", "Email")
                    SELECT @job, position, refusal, left(detail, 1000), left(legacy_id, 256), left(email, 256)
                    FROM import_rows WHERE outcome = 'Refused' ORDER BY ord;
                SELECT outcome, count(*)::int FROM import_rows GROUP BY outcome;
                """, [.. parameters, ("actor", "job:" + job.Id.ToString("N")), ("job", job.Id), ("linkable", linkable),
                    ("store", Mfa.ProtectedUserStore.InternalLoginProvider), ("keyName", Mfa.ProtectedUserStore.AuthenticatorKeyTokenName)]))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    counts[reader.GetString(0)] = reader.GetInt32(1);
                }
            }

            var result = new PageResult(counts.GetValueOrDefault("Imported"), counts.GetValueOrDefault("Linked"),
                counts.GetValueOrDefault("Skipped"), counts.GetValueOrDefault("Refused"));
            var owned = await ScalarAsync(connection, """
                WITH moved AS (
                    UPDATE "Jobs" SET "Processed" = "Processed" + @processed, "Created" = "Created" + @created, "Linked" = "Linked" + @linked,
                        "Skipped" = "Skipped" + @skipped, "Refused" = "Refused" + @refused, "Checkpoint" = @checkpoint, "UpdatedAt" = @now
                    WHERE "Id" = @job AND "LeaseOwner" = @owner AND "State" = 'Running'
                    RETURNING 1)
                SELECT count(*) FROM moved;
                """, [("processed", (object)page.Rows.Count), ("created", result.Created), ("linked", result.Linked), ("skipped", result.Skipped),
                    ("refused", result.Refused), ("checkpoint", page.Checkpoint), ("now", now), ("job", job.Id), ("owner", job.LeaseOwner!)], cancellationToken);
            if (owned == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                return null;
            }

            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task CopyAsync(NpgsqlConnection connection, string connectionName, IReadOnlyList<ImportRow> rows, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync("""
            COPY import_rows (ord, position, legacy_id, email, normalized_email, user_name, normalized_user_name, email_verified, phone,
                phone_verified, name, given_name, family_name, nickname, picture, user_metadata, app_metadata, password_hash, blocked, profile,
                new_id, stamp, refusal, detail, identities, totp_key, mfa_phone, mfa_email) FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var profile = row.Profile;
            var refusal = row.Refusal ?? (profile is null ? new ImportRefusal("InvalidRow", "the row has no user") : TooLong(profile));
            var userName = profile is null ? null : profile.Username ?? profile.Email ?? $"{connectionName}|{profile.Id}";
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
            await copy.WriteAsync(row.Position, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, profile?.Id is { Length: > 0 } id ? id : null, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, profile?.Email, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, normalizer.NormalizeEmail(profile?.Email), NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, userName, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, normalizer.NormalizeName(userName), NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(profile?.EmailVerified ?? false, NpgsqlDbType.Boolean, cancellationToken);
            await WriteAsync(copy, profile?.PhoneNumber, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(profile?.PhoneVerified ?? false, NpgsqlDbType.Boolean, cancellationToken);
            await WriteAsync(copy, profile?.Name, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, profile?.GivenName, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, profile?.FamilyName, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, profile?.Nickname, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, profile?.Picture, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, profile?.UserMetadata?.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);
            await WriteAsync(copy, profile?.AppMetadata?.ToJsonString(), NpgsqlDbType.Jsonb, cancellationToken);
            // A legacy hash waits for the first sign-in, which replaces it; no hash at all means "reset required".
            await WriteAsync(copy, row.PasswordHash is { } hash ? LegacyCredential.Store(hash) : null, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(row.Blocked, NpgsqlDbType.Boolean, cancellationToken);
            await WriteAsync(copy, profile is null ? null : JsonSerializer.Serialize(profile.WithoutSecrets(), UserImporter.ProfileJson), NpgsqlDbType.Jsonb, cancellationToken);
            await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(Guid.NewGuid().ToString("N"), NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, refusal?.Reason, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, refusal?.Detail, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, row.Identities.Count == 0 ? null : JsonSerializer.Serialize(row.Identities.Select(i => new
            {
                connection = i.Connection,
                legacy_id = i.LegacyId,
                email = i.Email,
                email_verified = i.EmailVerified,
                profile = i.Profile is null ? (JsonElement?)null : JsonDocument.Parse(i.Profile).RootElement,
            })), NpgsqlDbType.Jsonb, cancellationToken);
            // Protected here, before the COPY: no secret of the file reaches PostgreSQL in clear, not even a temporary table.
            var mfa = refusal is null ? profile?.Mfa : null;
            await WriteAsync(copy, mfa?.TotpSecret is { } secret ? carryOver.ProtectKey(secret) : null, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, mfa?.PhoneNumber is { } phone ? carryOver.ProtectValue(phone) : null, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, mfa?.Email is { } email ? carryOver.ProtectValue(email) : null, NpgsqlDbType.Text, cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>The store's column limits, checked before the page is written so one long name refuses its row, not the page.</summary>
    private static ImportRefusal? TooLong(Scripting.LegacyProfile profile)
    {
        (string Field, string? Value, int Max)[] limits =
        [
            ("user_id", profile.Id, 256), ("email", profile.Email, 256), ("username", profile.Username, 256), ("name", profile.Name, 256),
            ("given_name", profile.GivenName, 256), ("family_name", profile.FamilyName, 256), ("nickname", profile.Nickname, 256),
            ("picture", profile.Picture, 2048),
        ];
        return limits.FirstOrDefault(l => l.Value?.Length > l.Max) is { Field: not null } over
            ? new ImportRefusal("InvalidField", $"{over.Field} is longer than {over.Max} characters")
            : null;
    }

    private static ValueTask WriteAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? new ValueTask(copy.WriteNullAsync(cancellationToken)) : new ValueTask(copy.WriteAsync(value, type, cancellationToken));

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, (string, object)[] parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql, (string, object)[] parameters, CancellationToken cancellationToken)
    {
        // The batch's one query is its last statement; the updates before it return no rows.
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        do
        {
            if (reader.FieldCount > 0 && await reader.ReadAsync(cancellationToken))
            {
                return Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        throw new InvalidOperationException("The statement returned no count.");
    }

    private sealed class LostIdentityRaceException : Exception;
}
