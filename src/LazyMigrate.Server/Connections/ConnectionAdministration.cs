using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LazyMigrate.Server.Connections;

/// <summary>What administrators see of a connection. Secrets are write-only: only whether they are set.</summary>
public sealed record ConnectionView(
    string Name,
    ConnectionState State,
    int Order,
    string DatabaseProvider,
    bool DatabaseConnectionStringSet,
    IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<string> SecretSettings,
    IReadOnlyList<string> HttpAllowList,
    int TimeoutMilliseconds,
    int MaxConcurrentCalls,
    int MaxQueuedCalls,
    IReadOnlyDictionary<string, int> ScriptVersions,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string ETag);

/// <summary>
/// A new connection, or changes to one: null leaves a field as it is. <see cref="Secrets"/> sets secret settings
/// (a null value removes one); secret values are never read back.
/// </summary>
public sealed record ConnectionChange
{
    public string? Name { get; init; }

    public ConnectionState? State { get; init; }

    public int? Order { get; init; }

    public string? DatabaseProvider { get; init; }

    public string? DatabaseConnectionString { get; init; }

    public Dictionary<string, string>? Settings { get; init; }

    public Dictionary<string, string?>? Secrets { get; init; }

    public List<string>? HttpAllowList { get; init; }

    public int? TimeoutMilliseconds { get; init; }

    public int? MaxConcurrentCalls { get; init; }

    public int? MaxQueuedCalls { get; init; }

    /// <summary>Must be true to move a connection to Disconnected: its users who never came over can no longer sign in.</summary>
    public bool ConfirmDisconnect { get; init; }
}

public sealed record ScriptView(string Connection, ScriptFunction Function, int Version, string Content, string Author, DateTimeOffset CreatedAt)
{
    /// <summary>A script's ETag is its version: any save in between makes an older one stale.</summary>
    public string ETag => ScriptETag(Version);

    public static string ScriptETag(int version) => $"\"v{version}\"";
}

public sealed record ScriptVersionSummary(int Version, string ContentHash, string Author, DateTimeOffset CreatedAt, int Length);

/// <summary>The result of a dry run, shown to the admin (never to end users).</summary>
public sealed record ScriptTrial(
    string Outcome,
    LegacyProfile? Profile,
    long? Users,
    string? Reason,
    string? Message,
    int? Line,
    int? Column,
    IReadOnlyList<ScriptLogEntry> Logs,
    double DurationMs);

/// <summary>How an administrative change of a connection or script ended.</summary>
public abstract record ConnectionResult
{
    public sealed record Done<T>(T Value) : ConnectionResult;

    public sealed record NotFound : ConnectionResult;

    /// <summary>Field problems; for a script that does not parse, also its syntax errors with their places.</summary>
    public sealed record Invalid(IDictionary<string, string[]> Errors, IReadOnlyList<ScriptSyntaxError>? SyntaxErrors = null) : ConnectionResult;

    /// <summary>The caller's If-Match no longer matches: someone else changed it first.</summary>
    public sealed record Stale(string CurrentETag) : ConnectionResult;

    public sealed record Conflict(string Detail) : ConnectionResult;

    /// <summary>Disconnecting needs an explicit confirmation; <see cref="NeverMigrated"/> is null when countUsers is not defined.</summary>
    public sealed record ConfirmationRequired(long? NeverMigrated) : ConnectionResult;
}

/// <summary>
/// Legacy connections and their scripts for the management API and the console: settings, lifecycle, script versions
/// (saved, listed, rolled back, never edited in place) and dry runs. Changes reach the login path of this node at once
/// and of other nodes within the catalog's cache time.
/// </summary>
public sealed class ConnectionAdministration(
    LazyMigrateDbContext db,
    ConnectionSecrets secrets,
    LegacyConnectionCatalog catalog,
    ILegacyUserScripts scripts,
    AuditTrail audit,
    TimeProvider time,
    ILogger<ConnectionAdministration> logger)
{
    public const int MaxScriptLength = 256 * 1024;

    public async Task<IReadOnlyList<ConnectionView>> ListAsync(CancellationToken cancellationToken)
    {
        var entities = await db.LegacyConnections.AsNoTracking().OrderBy(c => c.Order).ThenBy(c => c.Name).ToListAsync(cancellationToken);
        var versions = await LatestVersionsAsync(null, cancellationToken);
        return entities.Select(e => View(e, versions)).ToList();
    }

    public async Task<ConnectionView?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var entity = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        return entity is null ? null : View(entity, await LatestVersionsAsync(entity.Id, cancellationToken));
    }

    /// <summary>How many of the connection's legacy users never came over (countUsers minus migrated and deleted); null without countUsers.</summary>
    public async Task<long?> NeverMigratedAsync(string name, CancellationToken cancellationToken)
    {
        var entity = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (entity is null)
        {
            return null;
        }

        var connection = catalog.Describe(entity, await db.ScriptVersions.AsNoTracking().Where(s => s.ConnectionId == entity.Id).ToListAsync(cancellationToken));
        if (string.IsNullOrWhiteSpace(connection.CountUsersScript) ||
            (await scripts.CountUsersAsync(connection, new ScriptContext(), cancellationToken)).Outcome is not ScriptOutcome.Counted counted)
        {
            return null;
        }

        var migrated = await db.Users.CountAsync(u => u.SourceConnection == name && u.MigratedAt != null, cancellationToken);
        var deleted = await db.Tombstones.CountAsync(t => t.Connection == name, cancellationToken);
        return Math.Max(0, counted.Users - migrated - deleted);
    }

    public async Task<ConnectionResult> CreateAsync(ConnectionChange change, string actor, CancellationToken cancellationToken)
    {
        var errors = Validate(change, creating: true);
        if (errors.Count > 0)
        {
            return new ConnectionResult.Invalid(errors);
        }

        if (change.State == ConnectionState.Importing)
        {
            // Without a login script every first login of an unknown user would fail at this connection.
            return new ConnectionResult.Invalid(new Dictionary<string, string[]>
            {
                ["state"] = ["A new connection has no login script yet: create it Disconnected, save and try its scripts, then switch it to Importing."],
            });
        }

        var now = time.GetUtcNow();
        var entity = new LegacyConnectionEntity
        {
            Id = Guid.CreateVersion7(),
            Name = change.Name!,
            State = ConnectionState.Disconnected,
            Order = change.Order ?? await db.LegacyConnections.Select(c => (int?)c.Order).MaxAsync(cancellationToken) + 1 ?? 0,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(entity, change);
        db.LegacyConnections.Add(entity);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            return new ConnectionResult.Conflict($"A connection named '{change.Name}' already exists.");
        }

        catalog.Invalidate();
        await audit.RecordAsync(AuditEventType.ConnectionChanged, connection: entity.Name, reason: "Created", actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Connection {Connection} created by {Actor}", entity.Name, actor);
        return new ConnectionResult.Done<ConnectionView>(View(entity, new Dictionary<(Guid, ScriptFunction), int>()));
    }

    /// <param name="ifMatch">The ETag the caller last saw; null skips the check (the console always sends one).</param>
    public async Task<ConnectionResult> UpdateAsync(string name, ConnectionChange change, string? ifMatch, string actor, CancellationToken cancellationToken)
    {
        var entity = await db.LegacyConnections.SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (entity is null)
        {
            return new ConnectionResult.NotFound();
        }

        if (ifMatch is not null && ifMatch != "*" && ifMatch != ETag(entity))
        {
            return new ConnectionResult.Stale(ETag(entity));
        }

        var errors = Validate(change, creating: false);
        if (change.Name is not null && change.Name != name)
        {
            // Migrated users and tombstones refer to the connection by name.
            errors["name"] = ["A connection cannot be renamed."];
        }

        if (errors.Count > 0)
        {
            return new ConnectionResult.Invalid(errors);
        }

        var disconnecting = change.State == ConnectionState.Disconnected && entity.State != ConnectionState.Disconnected;
        long? neverMigrated = null;
        if (disconnecting)
        {
            neverMigrated = await NeverMigratedAsync(name, cancellationToken);
            if (!change.ConfirmDisconnect)
            {
                return new ConnectionResult.ConfirmationRequired(neverMigrated);
            }
        }

        if (change.State == ConnectionState.Importing && entity.State != ConnectionState.Importing &&
            !await db.ScriptVersions.AnyAsync(s => s.ConnectionId == entity.Id && s.Function == ScriptFunction.Login, cancellationToken))
        {
            return new ConnectionResult.Invalid(new Dictionary<string, string[]> { ["state"] = ["Save a login script before switching to Importing."] });
        }

        var before = entity.State;
        Apply(entity, change);
        entity.UpdatedAt = time.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Changed between our read and our write (xmin moved): the caller must look again.
            db.ChangeTracker.Clear();
            var current = await db.LegacyConnections.AsNoTracking().SingleAsync(c => c.Name == name, cancellationToken);
            return new ConnectionResult.Stale(ETag(current));
        }

        catalog.Invalidate();
        var detail = before != entity.State
            ? $"State {before} → {entity.State}" + (neverMigrated is { } n ? $"; {n} legacy users never migrated" : "")
            : "Settings changed";
        await audit.RecordAsync(AuditEventType.ConnectionChanged, connection: name, reason: before != entity.State ? entity.State.ToString() : "Updated",
            detail: detail, actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Connection {Connection} changed by {Actor}: {Detail}", name, actor, detail);
        return new ConnectionResult.Done<ConnectionView>(View(entity, await LatestVersionsAsync(entity.Id, cancellationToken)));
    }

    public async Task<ScriptView?> GetScriptAsync(string name, ScriptFunction function, int? version, CancellationToken cancellationToken)
    {
        var query = from s in db.ScriptVersions.AsNoTracking()
                    join c in db.LegacyConnections on s.ConnectionId equals c.Id
                    where c.Name == name && s.Function == function && (version == null || s.Version == version)
                    orderby s.Version descending
                    select s;
        var script = await query.FirstOrDefaultAsync(cancellationToken);
        return script is null ? null : new ScriptView(name, function, script.Version, script.Content, script.Author, script.CreatedAt);
    }

    public async Task<IReadOnlyList<ScriptVersionSummary>?> ListVersionsAsync(string name, ScriptFunction function, CancellationToken cancellationToken)
    {
        var connection = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (connection is null)
        {
            return null;
        }

        return await db.ScriptVersions.AsNoTracking()
            .Where(s => s.ConnectionId == connection.Id && s.Function == function)
            .OrderByDescending(s => s.Version)
            .Select(s => new ScriptVersionSummary(s.Version, s.ContentHash, s.Author, s.CreatedAt, s.Content.Length))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Saves <paramref name="content"/> as the next version, if it parses and nobody saved since <paramref name="ifMatch"/>.</summary>
    /// <param name="ifMatch">The script ETag the editor started from; required once a version exists (<c>*</c> overrides).</param>
    public async Task<ConnectionResult> SaveScriptAsync(string name, ScriptFunction function, string? content, string? ifMatch, string actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return new ConnectionResult.Invalid(new Dictionary<string, string[]> { ["content"] = ["The script is empty."] });
        }

        if (content.Length > MaxScriptLength)
        {
            return new ConnectionResult.Invalid(new Dictionary<string, string[]> { ["content"] = [$"Scripts are limited to {MaxScriptLength / 1024} KB."] });
        }

        var validation = scripts.Validate(content);
        if (!validation.IsValid)
        {
            return new ConnectionResult.Invalid(new Dictionary<string, string[]>
            {
                ["content"] = validation.Errors.Select(e => $"Line {e.Line}, column {e.Column}: {e.Message}").ToArray(),
            }, validation.Errors);
        }

        return await AddVersionAsync(name, function, content, ifMatch, actor, detail: null, cancellationToken);
    }

    /// <summary>Makes an earlier version current again by saving its content as a new version (history is never rewritten).</summary>
    public async Task<ConnectionResult> RollbackAsync(string name, ScriptFunction function, int version, string? ifMatch, string actor, CancellationToken cancellationToken)
    {
        var earlier = await GetScriptAsync(name, function, version, cancellationToken);
        if (earlier is null)
        {
            return new ConnectionResult.NotFound();
        }

        return await AddVersionAsync(name, function, earlier.Content, ifMatch ?? "*", actor, $"rollback to version {version}", cancellationToken);
    }

    /// <summary>
    /// Runs a script without importing anything: the saved version, or <paramref name="draft"/> (the editor's unsaved text)
    /// in its place. The result, the script's log lines and its duration come back to the admin.
    /// </summary>
    public async Task<ConnectionResult> TryAsync(string name, ScriptFunction function, string? draft, string? email, string? password, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (function != ScriptFunction.CountUsers && string.IsNullOrWhiteSpace(email))
        {
            errors["email"] = ["An email or username to try is required."];
        }

        if (function == ScriptFunction.Login && string.IsNullOrEmpty(password))
        {
            errors["password"] = ["The login script needs a password to try."];
        }

        if (draft is { Length: > MaxScriptLength })
        {
            errors["content"] = [$"Scripts are limited to {MaxScriptLength / 1024} KB."];
        }

        if (errors.Count > 0)
        {
            return new ConnectionResult.Invalid(errors);
        }

        var entity = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (entity is null)
        {
            return new ConnectionResult.NotFound();
        }

        var versions = await db.ScriptVersions.AsNoTracking().Where(s => s.ConnectionId == entity.Id).ToListAsync(cancellationToken);
        if (draft is not null)
        {
            versions.Add(new ScriptVersion { Function = function, Version = int.MaxValue, Content = draft, ContentHash = "", Author = "" });
        }

        var connection = catalog.Describe(entity, versions);
        var context = new ScriptContext { DryRun = true };
        var result = function switch
        {
            ScriptFunction.Login => await scripts.LoginAsync(connection, email!, password!, context, cancellationToken),
            ScriptFunction.GetUser => await scripts.GetUserAsync(connection, email!, context, cancellationToken),
            _ => await scripts.CountUsersAsync(connection, context, cancellationToken),
        };

        var trial = result.Outcome switch
        {
            ScriptOutcome.Found found => Trial("Found", result) with { Profile = found.Profile },
            ScriptOutcome.Counted counted => Trial("Counted", result) with { Users = counted.Users },
            ScriptOutcome.UnknownUser => Trial("UnknownUser", result),
            ScriptOutcome.WrongPassword => Trial("WrongPassword", result),
            ScriptOutcome.Failed failed => Trial("Failed", result) with
            {
                Reason = failed.Reason.ToString(),
                Message = failed.Message,
                Line = failed.Line,
                Column = failed.Column,
            },
            _ => Trial(result.Outcome.GetType().Name, result),
        };

        // A dry run that took its sandbox process down is audited like a login's: someone can crash workers at will.
        if (result.Outcome is ScriptOutcome.Failed { Reason: ScriptFailureReason.SandboxCrashed } crashed)
        {
            await audit.RecordAsync(AuditEventType.ScriptFailed, connection: name, reason: crashed.Reason.ToString(),
                duration: result.Duration, detail: "dry run: " + crashed.Message, cancellationToken: cancellationToken);
        }

        // The password is never logged; the admin's trial is, for the audit of who probed the legacy system.
        logger.LogInformation("Dry run of {Function} on connection {Connection}: {Outcome} in {Duration} ms",
            function, name, trial.Outcome, (int)trial.DurationMs);
        return new ConnectionResult.Done<ScriptTrial>(trial);

        static ScriptTrial Trial(string outcome, ScriptResult result) =>
            new(outcome, null, null, null, null, null, null, result.Logs, Math.Round(result.Duration.TotalMilliseconds, 2));
    }

    public static string ETag(LegacyConnectionEntity entity) => $"\"{entity.Version}\"";

    private async Task<ConnectionResult> AddVersionAsync(string name, ScriptFunction function, string content, string? ifMatch, string actor, string? detail, CancellationToken cancellationToken)
    {
        var entity = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (entity is null)
        {
            return new ConnectionResult.NotFound();
        }

        var latest = await db.ScriptVersions.AsNoTracking()
            .Where(s => s.ConnectionId == entity.Id && s.Function == function)
            .OrderByDescending(s => s.Version)
            .FirstOrDefaultAsync(cancellationToken);
        var current = latest?.Version ?? 0;
        if (current > 0 && ifMatch != "*" && ifMatch != ScriptView.ScriptETag(current))
        {
            return new ConnectionResult.Stale(ScriptView.ScriptETag(current));
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        if (latest is not null && latest.ContentHash == hash)
        {
            // Shipping the same file again (a deployment re-run) is not a change: no new version, no audit entry.
            return new ConnectionResult.Done<ScriptView>(new ScriptView(name, function, latest.Version, latest.Content, latest.Author, latest.CreatedAt));
        }

        var version = new ScriptVersion
        {
            ConnectionId = entity.Id,
            Function = function,
            Version = current + 1,
            Content = content,
            ContentHash = hash,
            Author = actor,
            CreatedAt = time.GetUtcNow(),
        };
        db.ScriptVersions.Add(version);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another save took this version number between our read and our insert.
            db.ChangeTracker.Clear();
            return new ConnectionResult.Stale(ScriptView.ScriptETag(current + 1));
        }

        catalog.Invalidate();
        await audit.RecordAsync(AuditEventType.ScriptChanged, connection: name,
            detail: $"{function} script version {version.Version}" + (detail is null ? "" : $" ({detail})"), actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Connection {Connection}: {Function} script version {Version} saved by {Actor}", name, function, version.Version, actor);
        return new ConnectionResult.Done<ScriptView>(new ScriptView(name, function, version.Version, content, actor, version.CreatedAt));
    }

    private async Task<Dictionary<(Guid, ScriptFunction), int>> LatestVersionsAsync(Guid? connectionId, CancellationToken cancellationToken) =>
        await db.ScriptVersions.AsNoTracking()
            .Where(s => connectionId == null || s.ConnectionId == connectionId)
            .GroupBy(s => new { s.ConnectionId, s.Function })
            .Select(g => new { g.Key.ConnectionId, g.Key.Function, Version = g.Max(s => s.Version) })
            .ToDictionaryAsync(x => (x.ConnectionId, x.Function), x => x.Version, cancellationToken);

    private ConnectionView View(LegacyConnectionEntity entity, Dictionary<(Guid, ScriptFunction), int> versions)
    {
        var settings = secrets.UnprotectSettings(entity.ProtectedSettings);
        return new ConnectionView(
            entity.Name,
            entity.State,
            entity.Order,
            entity.DatabaseProvider.ToString().ToLowerInvariant(),
            entity.ProtectedDatabaseConnectionString is not null,
            settings.Where(s => !entity.SecretSettings.Contains(s.Key)).ToDictionary(),
            entity.SecretSettings.Where(settings.ContainsKey).ToList(),
            entity.HttpAllowList,
            entity.TimeoutMilliseconds,
            entity.MaxConcurrentCalls,
            entity.MaxQueuedCalls,
            Enum.GetValues<ScriptFunction>().Where(f => versions.ContainsKey((entity.Id, f))).ToDictionary(f => Camel(f), f => versions[(entity.Id, f)]),
            entity.CreatedAt,
            entity.UpdatedAt,
            ETag(entity));
    }

    public static string Camel(ScriptFunction function) => function switch
    {
        ScriptFunction.Login => "login",
        ScriptFunction.GetUser => "getUser",
        _ => "countUsers",
    };

    public static ScriptFunction? ParseFunction(string value) => value.ToLowerInvariant() switch
    {
        "login" => ScriptFunction.Login,
        "getuser" => ScriptFunction.GetUser,
        "countusers" => ScriptFunction.CountUsers,
        _ => null,
    };

    private void Apply(LegacyConnectionEntity entity, ConnectionChange change)
    {
        if (change.State is { } state) entity.State = state;
        if (change.Order is { } order) entity.Order = order;
        if (change.DatabaseProvider is { } provider) entity.DatabaseProvider = new DatabaseDefinition { Provider = provider }.ParsedProvider;
        if (change.DatabaseConnectionString is { } connectionString)
        {
            entity.ProtectedDatabaseConnectionString = connectionString.Length == 0 ? null : secrets.Protect(connectionString);
        }

        if (change.HttpAllowList is { } allowList) entity.HttpAllowList = allowList;
        if (change.TimeoutMilliseconds is { } timeout) entity.TimeoutMilliseconds = timeout;
        if (change.MaxConcurrentCalls is { } concurrent) entity.MaxConcurrentCalls = concurrent;
        if (change.MaxQueuedCalls is { } queued) entity.MaxQueuedCalls = queued;

        if (change.Settings is null && change.Secrets is null)
        {
            return;
        }

        var current = secrets.UnprotectSettings(entity.ProtectedSettings);
        var secretKeys = entity.SecretSettings.ToHashSet(StringComparer.Ordinal);
        var merged = change.Settings ?? current.Where(s => !secretKeys.Contains(s.Key)).ToDictionary();
        foreach (var key in secretKeys)
        {
            if (current.TryGetValue(key, out var value))
            {
                merged[key] = value;
            }
        }

        foreach (var (key, value) in change.Secrets ?? [])
        {
            if (value is null)
            {
                merged.Remove(key);
                secretKeys.Remove(key);
            }
            else
            {
                merged[key] = value;
                secretKeys.Add(key);
            }
        }

        entity.ProtectedSettings = secrets.Protect(JsonSerializer.Serialize(merged));
        entity.SecretSettings = [.. secretKeys.Order(StringComparer.Ordinal)];
    }

    private static Dictionary<string, string[]> Validate(ConnectionChange change, bool creating)
    {
        var errors = new Dictionary<string, string[]>();
        if (creating && (string.IsNullOrWhiteSpace(change.Name) || change.Name.Length > 128 ||
            !change.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors["name"] = ["1 to 128 letters, digits, '-', '_' or '.'."];
        }

        if (change.DatabaseProvider is { } provider && !DatabaseDefinition.IsKnownProvider(provider))
        {
            errors["databaseProvider"] = ["One of postgres, mysql, sqlserver, sqlite or none."];
        }

        if (change.TimeoutMilliseconds is < 100 or > 120_000)
        {
            errors["timeoutMilliseconds"] = ["Between 100 and 120000."];
        }

        if (change.MaxConcurrentCalls is < 1 or > 10_000)
        {
            errors["maxConcurrentCalls"] = ["Between 1 and 10000."];
        }

        if (change.MaxQueuedCalls is < 0 or > 100_000)
        {
            errors["maxQueuedCalls"] = ["Between 0 and 100000."];
        }

        if (change.HttpAllowList?.FirstOrDefault(h => string.IsNullOrWhiteSpace(h) || h.Contains('/') || h.Length > 253) is { } host)
        {
            errors["httpAllowList"] = [$"'{host}' is not a host name."];
        }

        if (change.Settings?.Keys.Concat(change.Secrets?.Keys.AsEnumerable() ?? []).FirstOrDefault(k => string.IsNullOrWhiteSpace(k) || k.Length > 128) is not null)
        {
            errors["settings"] = ["Setting names are 1 to 128 characters."];
        }

        if (change.Settings is { } plain && change.Secrets is { } secret && plain.Keys.Intersect(secret.Keys).FirstOrDefault() is { } both)
        {
            errors["settings"] = [$"'{both}' is both a setting and a secret."];
        }

        return errors;
    }
}
