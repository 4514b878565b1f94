using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// OpenIddict's application manager with two caches in front: <see cref="VerifiedClientSecrets"/> before its secret
/// verification, and <see cref="OidcEntityCache"/> before its lookups by client id and by id, so a token request
/// does not read its client from the database. A cached client is handed to the request as a new instance attached to
/// the request's own DbContext, exactly as if it had just been read: a token row then references it without reading it
/// again, and an update of it is checked against its concurrency token like any other. Every write tells every node.
/// </summary>
public sealed class CachingApplicationManager<TApplication>(
    IOpenIddictApplicationCache<TApplication> cache,
    ILogger<OpenIddictApplicationManager<TApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<TApplication> store,
    VerifiedClientSecrets verified,
    OidcEntityCache entities,
    LazyMigrateDbContext db)
    : OpenIddictApplicationManager<TApplication>(cache, logger, options, store) where TApplication : class
{
    public override async ValueTask<TApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var key = "application:client:" + identifier;
        if (entities.TryGet<EntitySnapshot>(key, out var snapshot))
        {
            return snapshot.Attach<TApplication>(db);
        }

        var version = entities.Version;
        var application = await base.FindByClientIdAsync(identifier, cancellationToken);
        Remember(key, application, version);
        return application;
    }

    public override async ValueTask<TApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        var key = "application:id:" + identifier;
        if (entities.TryGet<EntitySnapshot>(key, out var snapshot))
        {
            return snapshot.Attach<TApplication>(db);
        }

        var version = entities.Version;
        var application = await base.FindByIdAsync(identifier, cancellationToken);
        Remember(key, application, version);
        return application;
    }

    // Every create, update (secret rotation included: its overloads end here) and delete goes through these three.
    public override async ValueTask CreateAsync(TApplication application, string? secret, CancellationToken cancellationToken = default)
    {
        await OidcEntityChanges.AfterAsync(db, entities, () => base.CreateAsync(application, secret, cancellationToken), cancellationToken);
    }

    public override async ValueTask UpdateAsync(TApplication application, CancellationToken cancellationToken = default)
    {
        await OidcEntityChanges.AfterAsync(db, entities, () => base.UpdateAsync(application, cancellationToken), cancellationToken);
    }

    public override async ValueTask DeleteAsync(TApplication application, CancellationToken cancellationToken = default)
    {
        await OidcEntityChanges.AfterAsync(db, entities, () => base.DeleteAsync(application, cancellationToken), cancellationToken);
    }

    protected override async ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
    {
        if (verified.IsKnown(secret, comparand))
        {
            return true;
        }

        if (!await base.ValidateClientSecretAsync(secret, comparand, cancellationToken))
        {
            return false;
        }

        verified.Remember(secret, comparand);
        return true;
    }

    private void Remember(string key, TApplication? application, long version)
    {
        // Unknown clients are not remembered: a client created a moment later must be found at once.
        if (application is not null && EntitySnapshot.Of(db, application) is { } snapshot)
        {
            entities.Set(key, snapshot, version);
        }
    }
}

/// <summary>
/// OpenIddict's scope manager with <see cref="OidcEntityCache"/> in front of its lookup by names, which every
/// authorization and token request makes (to check the scopes asked for, and again for their resources). The scopes
/// are handed out as new, untracked instances per call; every write tells every node.
/// </summary>
public sealed class CachingScopeManager<TScope>(
    IOpenIddictScopeCache<TScope> cache,
    ILogger<OpenIddictScopeManager<TScope>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictScopeStore<TScope> store,
    OidcEntityCache entities,
    LazyMigrateDbContext db)
    : OpenIddictScopeManager<TScope>(cache, logger, options, store) where TScope : class
{
    public override IAsyncEnumerable<TScope> FindByNamesAsync(ImmutableArray<string> names, CancellationToken cancellationToken = default)
    {
        // Names cannot contain a space (RFC 6749, 3.3), so the joined list is a key for exactly this set, in this order.
        var key = "scopes:" + string.Join(' ', names);
        if (entities.TryGet<EntitySnapshot[]>(key, out var snapshots))
        {
            return Copies(snapshots);
        }

        return ReadAsync(key, names, cancellationToken);
    }

    public override async ValueTask CreateAsync(TScope scope, CancellationToken cancellationToken = default)
    {
        await OidcEntityChanges.AfterAsync(db, entities, () => base.CreateAsync(scope, cancellationToken), cancellationToken);
    }

    public override async ValueTask UpdateAsync(TScope scope, CancellationToken cancellationToken = default)
    {
        await OidcEntityChanges.AfterAsync(db, entities, () => base.UpdateAsync(scope, cancellationToken), cancellationToken);
    }

    public override async ValueTask DeleteAsync(TScope scope, CancellationToken cancellationToken = default)
    {
        await OidcEntityChanges.AfterAsync(db, entities, () => base.DeleteAsync(scope, cancellationToken), cancellationToken);
    }

    private async IAsyncEnumerable<TScope> ReadAsync(string key, ImmutableArray<string> names, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var version = entities.Version;
        var found = new List<TScope>();
        await foreach (var scope in base.FindByNamesAsync(names, cancellationToken))
        {
            found.Add(scope);
        }

        var snapshots = found.Select(scope => EntitySnapshot.Of(db, scope)).ToArray();
        if (snapshots.All(snapshot => snapshot is not null))
        {
            entities.Set(key, snapshots, version);
        }

        foreach (var scope in found)
        {
            yield return scope;
        }
    }

    private static IAsyncEnumerable<TScope> Copies(EntitySnapshot[] snapshots) =>
        snapshots.Select(snapshot => snapshot.Create<TScope>()).ToAsyncEnumerable();
}

/// <summary>Tells this node at once and every other node through PostgreSQL that an application or a scope changed.</summary>
internal static class OidcEntityChanges
{
    /// <summary>Runs <paramref name="write"/>, then forgets this node's cached entities and notifies the others.</summary>
    public static async ValueTask AfterAsync(LazyMigrateDbContext db, OidcEntityCache entities, Func<ValueTask> write, CancellationToken cancellationToken)
    {
        try
        {
            await write();
        }
        catch
        {
            // Nothing changed in the database, but the entity in hand may be what was stale: read afresh next time.
            entities.Invalidate();
            throw;
        }

        entities.Invalidate();
        // Inside a transaction PostgreSQL delivers it at the commit, to every listener, this node's own included: a
        // read that slipped in between the write and the commit is forgotten then.
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({OidcEntityCache.Channel}, '')", cancellationToken);
    }
}
