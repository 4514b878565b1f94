using LazyMigrate.Scripting;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.LegacyConnections;

/// <summary>
/// The Importing connections, in order, ready for the sandbox (secrets unprotected, latest script versions).
/// Read on the login path, so kept for a few seconds: a change reaches every node within that time.
/// </summary>
public sealed class LegacyConnectionCatalog(IServiceScopeFactory scopes, ConnectionSecrets secrets, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (DateTimeOffset Until, IReadOnlyList<ImportingConnection> Connections)? _cache;

    public async Task<IReadOnlyList<ImportingConnection>> ImportingAsync(CancellationToken cancellationToken)
    {
        if (_cache is { } cached && cached.Until > time.GetUtcNow())
        {
            return cached.Connections;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_cache is { } fresh && fresh.Until > time.GetUtcNow())
            {
                return fresh.Connections;
            }

            var connections = await LoadAsync(cancellationToken);
            _cache = (time.GetUtcNow() + CacheFor, connections);
            return connections;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    /// <summary>Forgets the cached connections (after an edit on this node).</summary>
    public void Invalidate() => _cache = null;

    private async Task<IReadOnlyList<ImportingConnection>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var entities = await db.LegacyConnections.AsNoTracking()
            .Where(c => c.State == ConnectionState.Importing)
            .OrderBy(c => c.Order).ThenBy(c => c.Name)
            .ToListAsync(cancellationToken);
        var ids = entities.Select(c => c.Id).ToList();
        var latest = await db.ScriptVersions.AsNoTracking()
            .Where(s => ids.Contains(s.ConnectionId))
            .GroupBy(s => new { s.ConnectionId, s.Function })
            .Select(g => g.OrderByDescending(s => s.Version).First())
            .ToListAsync(cancellationToken);

        return entities
            .Select(entity => new ImportingConnection(Describe(entity, latest.Where(s => s.ConnectionId == entity.Id)), entity.TrustEmails))
            .ToList();
    }

    /// <summary>A stored connection as the sandbox takes it: secrets unprotected, the latest of the given script versions.</summary>
    public LegacyConnection Describe(LegacyConnectionEntity entity, IEnumerable<ScriptVersion> scripts)
    {
        var versions = scripts.ToList();
        string? Script(ScriptFunction function) => versions.Where(s => s.Function == function).MaxBy(s => s.Version)?.Content;
        var settings = secrets.UnprotectSettings(entity.ProtectedSettings);
        return new LegacyConnection
        {
            Name = entity.Name,
            DatabaseProvider = entity.DatabaseProvider,
            DatabaseConnectionString = secrets.Unprotect(entity.ProtectedDatabaseConnectionString),
            LoginScript = Script(ScriptFunction.Login),
            GetUserScript = Script(ScriptFunction.GetUser),
            CountUsersScript = Script(ScriptFunction.CountUsers),
            ListUsersScript = Script(ScriptFunction.ListUsers),
            Settings = settings,
            SecretSettings = entity.SecretSettings.ToHashSet(StringComparer.Ordinal),
            HttpAllowList = entity.HttpAllowList,
            Limits = new ScriptLimits
            {
                Timeout = TimeSpan.FromMilliseconds(entity.TimeoutMilliseconds),
                MaxConcurrentCalls = entity.MaxConcurrentCalls,
                MaxQueuedCalls = entity.MaxQueuedCalls,
            },
        };
    }
}

/// <summary>An Importing connection as the legacy directory asks it: the sandbox's definition and the directory's own rules.</summary>
public sealed record ImportingConnection(LegacyConnection Definition, bool TrustEmails)
{
    public string Name => Definition.Name;

    public bool HasGetUser => !string.IsNullOrWhiteSpace(Definition.GetUserScript);
}
