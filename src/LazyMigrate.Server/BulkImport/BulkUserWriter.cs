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
/// Writes one page of an import in one transaction and two round trips: one query looks up, for every row at once,
/// what the store already has (the row's identity, a tombstone, a user with its address or its username); the rows are
/// then decided here in file order, as reading them one by one would (a later row with the address of a user created
/// earlier in the page is linked to that user, and so on); and one batch writes the new users, their Imported
/// identities, their pending links (when another connection could know them), audit events, identities Linked to
/// users already here by address, the refused rows, and the job's counts and checkpoint. The unique indexes (address,
/// username, identity) still settle races with lazy sign-ins and other writers exactly as they do for
/// <see cref="UserImporter"/>: a page that loses one between its lookup and its insert is rolled back and decided
/// again against what won. The job row is updated only while this node holds its lease and it is Running, so a page is
/// committed once, by one node, or not at all.
/// </summary>
public sealed class BulkUserWriter(
    LazyMigrateDbContext db,
    LegacyConnectionCatalog connections,
    ILookupNormalizer normalizer,
    Mfa.MfaCarryOver carryOver,
    TimeProvider time,
    ILogger<BulkUserWriter> logger)
{
    private const int MaxAttempts = 5;

    /// <returns>Null when the job is no longer this node's to write (paused, cancelled, taken over): nothing was written.</returns>
    public async Task<PageResult?> WriteAsync(Job job, ImportPage page, CancellationToken cancellationToken)
    {
        // A user's other identities are looked for in the other Importing connections that can look an address up
        // (getUser). With none, a pending link per user would only be a row written, read and deleted for nothing:
        // with 100,000 users, 200,000 statements of the linking service that can never link anyone.
        var linkable = (await connections.ImportingAsync(cancellationToken)).Any(c => c.HasGetUser && c.Name != job.Connection);
        var rows = Prepare(job.Connection!, page.Rows);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await WriteOnceAsync(job, page, rows, linkable, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation
                                               && attempt < MaxAttempts)
            {
                // A concurrent writer (a lazy sign-in, the console) took an address, a username or a legacy identity of
                // this page after its lookup, or deleted a user it links to: the page was rolled back and is decided again.
                logger.LogInformation("Import job {JobId}: a page is written again after a concurrent writer took one of its keys ({Constraint})",
                    job.Id, ex.ConstraintName);
            }
        }
    }

    private async Task<PageResult?> WriteOnceAsync(Job job, ImportPage page, PageRow[] rows, bool linkable, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LookUpAsync(connection, job.Connection!, rows, cancellationToken);
            var result = Decide(rows);
            var now = time.GetUtcNow();
            await using var batch = WriteBatch(connection, job, page, rows, result, linkable, now);
            bool owned;
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
            {
                // The job's update comes first; reading every result after it surfaces the error of any statement.
                owned = await reader.ReadAsync(cancellationToken);
                while (await reader.NextResultAsync(cancellationToken))
                {
                }
            }

            if (!owned)
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

    /// <summary>
    /// What the store has for each row, in one query. Each key is probed through its index by a scalar subquery: a
    /// join (or EXISTS) lets the planner hash the whole table instead, and then each page would cost more as the store
    /// grows.
    /// </summary>
    private static async Task LookUpAsync(NpgsqlConnection connection, string connectionName, PageRow[] rows, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT r.ord,
                (SELECT true FROM "UserIdentities" i WHERE i."Connection" = @c AND i."LegacyId" = r.legacy_id),
                (SELECT true FROM "Tombstones" t WHERE t."Connection" = @c AND t."LegacyId" = r.legacy_id LIMIT 1),
                (SELECT true FROM "Tombstones" t WHERE t."NormalizedEmail" = r.normalized_email LIMIT 1),
                (SELECT u."Id" FROM "AspNetUsers" u WHERE u."NormalizedEmail" = r.normalized_email),
                (SELECT true FROM "AspNetUsers" u WHERE u."NormalizedUserName" = r.normalized_user_name)
            FROM unnest(@ids, @emails, @names) WITH ORDINALITY AS r(legacy_id, normalized_email, normalized_user_name, ord)
            """, connection);
        var candidates = rows.Select(r => r.OriginalRefusal is null ? r : null).ToArray();
        command.Parameters.AddWithValue("c", connectionName);
        command.Parameters.Add(Column("ids", candidates, r => r?.LegacyId, NpgsqlDbType.Text));
        command.Parameters.Add(Column("emails", candidates, r => r?.NormalizedEmail, NpgsqlDbType.Text));
        command.Parameters.Add(Column("names", candidates, r => r?.NormalizedUserName, NpgsqlDbType.Text));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = rows[(int)reader.GetInt64(0) - 1];
            row.IdentityExists = !reader.IsDBNull(1);
            row.Tombstoned = !reader.IsDBNull(2) || !reader.IsDBNull(3);
            row.UserWithEmail = reader.IsDBNull(4) ? null : reader.GetGuid(4);
            row.UserNameTaken = !reader.IsDBNull(5);
        }
    }

    /// <summary>
    /// Each row's outcome, in file order, against the store's answers and the rows before it: a row with the identity
    /// of an earlier row is skipped, one with an earlier new user's address is linked to that user, one with an earlier
    /// new user's username is refused, exactly as if the earlier row had been written first.
    /// </summary>
    private static PageResult Decide(PageRow[] rows)
    {
        var identities = new HashSet<string>(StringComparer.Ordinal);
        var emails = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var userNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            row.UserId = null;
            row.Refusal = row.OriginalRefusal;
            if (row.Refusal is not null)
            {
                row.Outcome = Outcome.Refused;
            }
            else if (row.IdentityExists)
            {
                row.Outcome = Outcome.Skipped;
            }
            else if (row.Tombstoned)
            {
                row.Outcome = Outcome.Refused;
                row.Refusal = new ImportRefusal("Deleted", "The user was deleted here; deleted users are not imported again.");
            }
            else if (identities.Contains(row.LegacyId!))
            {
                row.Outcome = Outcome.Skipped;
            }
            else if (row.NormalizedEmail is not null
                     && (row.UserWithEmail ?? (emails.TryGetValue(row.NormalizedEmail, out var earlier) ? earlier : null)) is { } user)
            {
                row.Outcome = Outcome.Linked;
                row.UserId = user;
                identities.Add(row.LegacyId!);
            }
            else if (row.UserNameTaken || userNames.Contains(row.NormalizedUserName!))
            {
                row.Outcome = Outcome.Refused;
                row.Refusal = new ImportRefusal("UsernameTaken", "The username belongs to another user here.");
            }
            else
            {
                row.Outcome = Outcome.Imported;
                row.UserId = row.NewId;
                identities.Add(row.LegacyId!);
                userNames.Add(row.NormalizedUserName!);
                if (row.NormalizedEmail is not null)
                {
                    emails[row.NormalizedEmail] = row.NewId;
                }
            }
        }

        return new PageResult(rows.Count(r => r.Outcome == Outcome.Imported), rows.Count(r => r.Outcome == Outcome.Linked),
            rows.Count(r => r.Outcome == Outcome.Skipped), rows.Count(r => r.Outcome == Outcome.Refused));
    }

    /// <summary>Every write of the page, in one round trip. The job's update is first: its row says whether the page may commit.</summary>
    private static NpgsqlBatch WriteBatch(NpgsqlConnection connection, Job job, ImportPage page, PageRow[] rows, PageResult result, bool linkable, DateTimeOffset now)
    {
        var batch = new NpgsqlBatch(connection);
        Add(batch, """
            UPDATE "Jobs" SET "Processed" = "Processed" + @processed, "Created" = "Created" + @created, "Linked" = "Linked" + @linked,
                "Skipped" = "Skipped" + @skipped, "Refused" = "Refused" + @refused, "Checkpoint" = @checkpoint, "UpdatedAt" = @now
            WHERE "Id" = @job AND "LeaseOwner" = @owner AND "State" = 'Running'
            RETURNING 1
            """, new("processed", page.Rows.Count), new("created", result.Created), new("linked", result.Linked), new("skipped", result.Skipped),
            new("refused", result.Refused), new("checkpoint", page.Checkpoint), new("now", now), new("job", job.Id), new("owner", job.LeaseOwner!));

        var imported = rows.Where(r => r.Outcome == Outcome.Imported).ToArray();
        var identified = rows.Where(r => r.Outcome is Outcome.Imported or Outcome.Linked).ToArray();
        var refused = rows.Where(r => r.Outcome == Outcome.Refused).ToArray();
        NpgsqlParameter Connection() => new("c", job.Connection!);
        if (imported.Length > 0)
        {
            // Plain INSERTs: a key taken since the lookup fails the page, which is then decided again (WriteAsync).
            Add(batch, """
                INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed",
                    "PasswordHash", "SecurityStamp", "ConcurrencyStamp", "PhoneNumber", "PhoneNumberConfirmed", "TwoFactorEnabled",
                    "LockoutEnd", "LockoutEnabled", "AccessFailedCount", "CreatedAt", "LastLoginAt", "MigratedAt",
                    "Name", "GivenName", "FamilyName", "Nickname", "Picture", "UserMetadata", "AppMetadata")
                SELECT id, user_name, normalized_user_name, email, normalized_email, email_verified,
                    password_hash, stamp, stamp, phone, phone_verified, totp_key IS NOT NULL,
                    CASE WHEN blocked THEN @forever END, true, 0, @now, NULL, @now,
                    name, given_name, family_name, nickname, picture, user_metadata, app_metadata
                FROM unnest(@id, @user_name, @normalized_user_name, @email, @normalized_email, @email_verified, @password_hash, @stamp,
                    @phone, @phone_verified, @totp_key, @blocked, @name, @given_name, @family_name, @nickname, @picture, @user_metadata, @app_metadata)
                    AS r(id, user_name, normalized_user_name, email, normalized_email, email_verified, password_hash, stamp,
                    phone, phone_verified, totp_key, blocked, name, given_name, family_name, nickname, picture, user_metadata, app_metadata)
                """,
                new("now", now), new("forever", DateTimeOffset.MaxValue),
                Column("id", imported, r => r.NewId, NpgsqlDbType.Uuid), Column("user_name", imported, r => r.UserName, NpgsqlDbType.Text),
                Column("normalized_user_name", imported, r => r.NormalizedUserName, NpgsqlDbType.Text), Column("email", imported, r => r.Email, NpgsqlDbType.Text),
                Column("normalized_email", imported, r => r.NormalizedEmail, NpgsqlDbType.Text), Column("email_verified", imported, r => r.EmailVerified, NpgsqlDbType.Boolean),
                Column("password_hash", imported, r => r.PasswordHash, NpgsqlDbType.Text), Column("stamp", imported, r => r.Stamp, NpgsqlDbType.Text),
                Column("phone", imported, r => r.Phone, NpgsqlDbType.Text), Column("phone_verified", imported, r => r.PhoneVerified, NpgsqlDbType.Boolean),
                Column("totp_key", imported, r => r.TotpKey, NpgsqlDbType.Text), Column("blocked", imported, r => r.Blocked, NpgsqlDbType.Boolean),
                Column("name", imported, r => r.Name, NpgsqlDbType.Text), Column("given_name", imported, r => r.GivenName, NpgsqlDbType.Text),
                Column("family_name", imported, r => r.FamilyName, NpgsqlDbType.Text), Column("nickname", imported, r => r.Nickname, NpgsqlDbType.Text),
                Column("picture", imported, r => r.Picture, NpgsqlDbType.Text), Column("user_metadata", imported, r => r.UserMetadata, NpgsqlDbType.Jsonb),
                Column("app_metadata", imported, r => r.AppMetadata, NpgsqlDbType.Jsonb));
        }

        if (identified.Length > 0)
        {
            // Imported for the users created, Linked for the users already here by address.
            Add(batch, """
                INSERT INTO "UserIdentities" ("UserId", "Connection", "LegacyId", "Origin", "Email", "EmailVerified", "Profile", "LinkedAt", "ImportJobId")
                SELECT user_id, @c, legacy_id, origin, email, email_verified, profile, @now, @job
                FROM unnest(@user_id, @legacy_id, @origin, @email, @email_verified, @profile) AS r(user_id, legacy_id, origin, email, email_verified, profile)
                """, Connection(), new("now", now), new("job", job.Id),
                Column("user_id", identified, r => r.UserId!.Value, NpgsqlDbType.Uuid), Column("legacy_id", identified, r => r.LegacyId, NpgsqlDbType.Text),
                Column("origin", identified, r => r.Outcome == Outcome.Imported ? "Imported" : "Linked", NpgsqlDbType.Text),
                Column("email", identified, r => r.Email, NpgsqlDbType.Text), Column("email_verified", identified, r => r.EmailVerified, NpgsqlDbType.Boolean),
                Column("profile", identified, r => r.Profile, NpgsqlDbType.Jsonb));
            Add(batch, """
                INSERT INTO "AuditEvents" ("At", "Type", "UserId", "Connection", "Reason", "Actor")
                SELECT @now, type, user_id, @c, 'BulkImport', @actor FROM unnest(@type, @user_id) AS r(type, user_id)
                """, Connection(), new("now", now), new("actor", "job:" + job.Id.ToString("N")),
                Column("type", identified, r => r.Outcome == Outcome.Imported ? "UserMigrated" : "IdentityLinked", NpgsqlDbType.Text),
                Column("user_id", identified, r => r.UserId!.Value, NpgsqlDbType.Uuid));
        }

        if (linkable && imported.Length > 0)
        {
            Add(batch, """
                INSERT INTO "PendingIdentityLinks" ("UserId", "DueAt", "Attempts", "CreatedAt") SELECT user_id, @now, 0, @now FROM unnest(@user_id) AS user_id
                """, new("now", now), Column("user_id", imported, r => r.NewId, NpgsqlDbType.Uuid));
        }

        // The identities the rows carry (an export's), one array element each: Linked to the user its row created, unless
        // another user here has that account already. Flat arrays rather than a JSON document a row: PostgreSQL neither
        // parses nor expands them, and nothing is serialised here.
        var carried = imported.SelectMany(r => r.Identities.Where(i => !(i.Connection == job.Connection && i.LegacyId == r.LegacyId)).Select(i => (r.NewId, Identity: i)))
            .ToArray();
        if (carried.Length > 0)
        {
            Add(batch, """
                INSERT INTO "UserIdentities" ("UserId", "Connection", "LegacyId", "Origin", "Email", "EmailVerified", "Profile", "LinkedAt", "ImportJobId")
                SELECT user_id, connection, legacy_id, 'Linked', left(email, 256), email_verified, profile, @now, @job
                FROM unnest(@user_id, @connection, @legacy_id, @email, @email_verified, @profile)
                    AS r(user_id, connection, legacy_id, email, email_verified, profile)
                ON CONFLICT DO NOTHING
                """, new("now", now), new("job", job.Id),
                Column("user_id", carried, c => c.NewId, NpgsqlDbType.Uuid), Column("connection", carried, c => c.Identity.Connection, NpgsqlDbType.Text),
                Column("legacy_id", carried, c => c.Identity.LegacyId, NpgsqlDbType.Text), Column("email", carried, c => c.Identity.Email, NpgsqlDbType.Text),
                Column("email_verified", carried, c => c.Identity.EmailVerified, NpgsqlDbType.Boolean),
                Column("profile", carried, c => c.Identity.Profile, NpgsqlDbType.Jsonb));
        }

        if (imported.Where(r => r.TotpKey is not null || r.MfaPhone is not null || r.MfaEmail is not null).ToArray() is { Length: > 0 } factors)
        {
            // The file's factors for the users it created (already protected); a user already here keeps their own.
            Add(batch, """
                INSERT INTO "AspNetUserTokens" ("UserId", "LoginProvider", "Name", "Value")
                    SELECT user_id, @store, @keyName, totp_key FROM unnest(@user_id, @totp_key) AS r(user_id, totp_key) WHERE totp_key IS NOT NULL
                """, new("store", Mfa.ProtectedUserStore.InternalLoginProvider), new("keyName", Mfa.ProtectedUserStore.AuthenticatorKeyTokenName),
                Column("user_id", factors, r => r.NewId, NpgsqlDbType.Uuid), Column("totp_key", factors, r => r.TotpKey, NpgsqlDbType.Text));
            Add(batch, """
                INSERT INTO "MfaFactors" ("Id", "UserId", "Kind", "CreatedAt", "ProtectedValue", "Origin")
                SELECT gen_random_uuid(), r.user_id, factor.kind, @now, factor.value, 'import:' || @c
                FROM unnest(@user_id, @totp_key, @mfa_phone, @mfa_email) AS r(user_id, totp_key, mfa_phone, mfa_email),
                    LATERAL (VALUES ('Authenticator', NULL, r.totp_key IS NOT NULL), ('Phone', r.mfa_phone, r.mfa_phone IS NOT NULL),
                        ('Email', r.mfa_email, r.mfa_email IS NOT NULL)) AS factor(kind, value, present)
                WHERE factor.present
                """, Connection(), new("now", now),
                Column("user_id", factors, r => r.NewId, NpgsqlDbType.Uuid), Column("totp_key", factors, r => r.TotpKey, NpgsqlDbType.Text),
                Column("mfa_phone", factors, r => r.MfaPhone, NpgsqlDbType.Text), Column("mfa_email", factors, r => r.MfaEmail, NpgsqlDbType.Text));
        }

        if (refused.Length > 0)
        {
            Add(batch, """
                INSERT INTO "JobErrors" ("JobId", "Position", "Reason", "Detail", "LegacyId", "Email")
                SELECT @job, position, reason, left(detail, 1000), left(legacy_id, 256), left(email, 256)
                FROM unnest(@position, @reason, @detail, @legacy_id, @email) AS r(position, reason, detail, legacy_id, email)
                """, new("job", job.Id),
                Column("position", refused, r => r.Position, NpgsqlDbType.Text), Column("reason", refused, r => r.Refusal!.Reason, NpgsqlDbType.Text),
                Column("detail", refused, r => r.Refusal!.Detail, NpgsqlDbType.Text), Column("legacy_id", refused, r => r.LegacyId, NpgsqlDbType.Text),
                Column("email", refused, r => r.Email, NpgsqlDbType.Text));
        }

        return batch;
    }

    /// <summary>The page's rows as they will be written: checked, normalised and serialised once, whatever the number of attempts.</summary>
    private PageRow[] Prepare(string connectionName, IReadOnlyList<ImportRow> source)
    {
        var rows = new PageRow[source.Count];
        for (var i = 0; i < source.Count; i++)
        {
            var row = source[i];
            var profile = row.Profile;
            var refusal = row.Refusal ?? (profile is null ? new ImportRefusal("InvalidRow", "the row has no user") : TooLong(profile));
            var userName = profile is null ? null : profile.Username ?? profile.Email ?? $"{connectionName}|{profile.Id}";
            // Protected here: no secret of the file reaches PostgreSQL in clear.
            var mfa = refusal is null ? profile?.Mfa : null;
            rows[i] = new PageRow
            {
                Position = row.Position,
                OriginalRefusal = refusal,
                LegacyId = profile?.Id is { Length: > 0 } id ? id : null,
                Email = profile?.Email,
                NormalizedEmail = normalizer.NormalizeEmail(profile?.Email),
                UserName = userName,
                NormalizedUserName = normalizer.NormalizeName(userName),
                EmailVerified = profile?.EmailVerified ?? false,
                Phone = profile?.PhoneNumber,
                PhoneVerified = profile?.PhoneVerified ?? false,
                Name = profile?.Name,
                GivenName = profile?.GivenName,
                FamilyName = profile?.FamilyName,
                Nickname = profile?.Nickname,
                Picture = profile?.Picture,
                UserMetadata = profile?.UserMetadata?.ToJsonString(),
                AppMetadata = profile?.AppMetadata?.ToJsonString(),
                // A legacy hash waits for the first sign-in, which replaces it; no hash at all means "reset required".
                PasswordHash = row.PasswordHash is { } hash ? LegacyCredential.Store(hash) : null,
                Blocked = row.Blocked,
                Profile = refusal is not null || profile is null ? null : JsonSerializer.Serialize(profile.WithoutSecrets(), UserImporter.ProfileJson),
                NewId = Guid.CreateVersion7(),
                Stamp = Guid.NewGuid().ToString("N"),
                Identities = refusal is not null ? [] : row.Identities,
                TotpKey = mfa?.TotpSecret is { } secret ? carryOver.ProtectKey(secret) : null,
                MfaPhone = mfa?.PhoneNumber is { } phone ? carryOver.ProtectValue(phone) : null,
                MfaEmail = mfa?.Email is { } email ? carryOver.ProtectValue(email) : null,
            };
        }

        return rows;
    }

    /// <summary>The store's column limits, checked before the page is written so one long name refuses its row, not the page.</summary>
    private static ImportRefusal? TooLong(Scripting.LegacyProfile profile) =>
        Over("user_id", profile.Id, 256) ?? Over("email", profile.Email, 256) ?? Over("username", profile.Username, 256)
        ?? Over("name", profile.Name, 256) ?? Over("given_name", profile.GivenName, 256) ?? Over("family_name", profile.FamilyName, 256)
        ?? Over("nickname", profile.Nickname, 256) ?? Over("picture", profile.Picture, 2048);

    private static ImportRefusal? Over(string field, string? value, int max) =>
        value?.Length > max ? new ImportRefusal("InvalidField", $"{field} is longer than {max} characters") : null;

    private static void Add(NpgsqlBatch batch, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        batch.BatchCommands.Add(command);
    }

    /// <summary>One column of the rows as an array parameter, for <c>unnest</c>: a page is a handful of parameters, whatever its size.</summary>
    private static NpgsqlParameter Column<TRow, T>(string name, TRow[] rows, Func<TRow, T> value, NpgsqlDbType type) =>
        new(name, NpgsqlDbType.Array | type) { Value = rows.Select(value).ToArray() };

    private enum Outcome
    {
        Refused,
        Skipped,
        Linked,
        Imported,
    }

    /// <summary>One row of the page: what is written, what the store answered, and what was decided.</summary>
    private sealed class PageRow
    {
        public required string Position { get; init; }

        /// <summary>Why the file's row cannot be imported at all; <see cref="Refusal"/> may add one the store decides.</summary>
        public required ImportRefusal? OriginalRefusal { get; init; }

        public string? LegacyId { get; init; }
        public string? Email { get; init; }
        public string? NormalizedEmail { get; init; }
        public string? UserName { get; init; }
        public string? NormalizedUserName { get; init; }
        public bool EmailVerified { get; init; }
        public string? Phone { get; init; }
        public bool PhoneVerified { get; init; }
        public string? Name { get; init; }
        public string? GivenName { get; init; }
        public string? FamilyName { get; init; }
        public string? Nickname { get; init; }
        public string? Picture { get; init; }
        public string? UserMetadata { get; init; }
        public string? AppMetadata { get; init; }
        public string? PasswordHash { get; init; }
        public bool Blocked { get; init; }
        public string? Profile { get; init; }
        public Guid NewId { get; init; }
        public required string Stamp { get; init; }
        public IReadOnlyList<CarriedIdentity> Identities { get; init; } = [];
        public string? TotpKey { get; init; }
        public string? MfaPhone { get; init; }
        public string? MfaEmail { get; init; }

        public bool IdentityExists { get; set; }
        public bool Tombstoned { get; set; }
        public Guid? UserWithEmail { get; set; }
        public bool UserNameTaken { get; set; }

        public ImportRefusal? Refusal { get; set; }
        public Outcome Outcome { get; set; }
        public Guid? UserId { get; set; }
    }
}
