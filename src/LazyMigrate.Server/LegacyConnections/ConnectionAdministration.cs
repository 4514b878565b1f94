using System.Text.Json;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LazyMigrate.Server.LegacyConnections;

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
    bool TrustEmails,
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

    /// <summary>Treat this system's addresses as verified (see the account-takeover guard in the README).</summary>
    public bool? TrustEmails { get; init; }

    /// <summary>Must be true to move a connection to Disconnected: its users who never came over can no longer sign in.</summary>
    public bool ConfirmDisconnect { get; init; }
}

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
/// Legacy connections for the management API and the console: settings, secrets, limits, order and lifecycle. Changes
/// reach the login path of this node at once and of other nodes within the catalog's cache time.
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

        // Imported and linked identities alike: both are users here already.
        var migrated = await db.UserIdentities.CountAsync(i => i.Connection == name, cancellationToken);
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

    public static string ETag(LegacyConnectionEntity entity) => $"\"{entity.Version}\"";

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
            entity.TrustEmails,
            Enum.GetValues<ScriptFunction>().Where(f => versions.ContainsKey((entity.Id, f))).ToDictionary(f => ScriptFunctionNames.Camel(f), f => versions[(entity.Id, f)]),
            entity.CreatedAt,
            entity.UpdatedAt,
            ETag(entity));
    }

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
        if (change.TrustEmails is { } trust) entity.TrustEmails = trust;

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
