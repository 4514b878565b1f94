using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// OpenIddict's applications and scopes as this node last read them, shared across requests: a token request reads
/// its client and the scopes it asks for on every call, and they change only when an administrator changes them.
/// Every change through OpenIddict's managers (console, management API, configuration seeding, on any node) empties
/// the cache on the node that made it at once, and on every other node when PostgreSQL delivers the change's
/// <c>NOTIFY</c> (<see cref="OidcEntityChangeListener"/>, milliseconds after the commit). While that listener is not
/// connected nothing is served from here, so a missed notification can never leave a node on an old client; the
/// lifetime (<see cref="OidcOptions.ClientCacheLifetime"/>) bounds an entry's age even so.
/// </summary>
public sealed class OidcEntityCache(TimeProvider time, IOptions<OidcOptions> options)
{
    /// <summary>The PostgreSQL notification channel of changes to applications and scopes.</summary>
    public const string Channel = "lazymigrate_oidc_entities";

    // Request parameters (a scope list) choose keys, so the number of entries is bounded.
    private const int MaximumEntries = 1_000;

    private readonly TimeSpan _lifetime = options.Value.ClientCacheLifetime;
    private readonly Lock _lock = new();
    private Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _version;
    private bool _listening;

    /// <summary>Changes with every invalidation; a value read from the database is kept only if it did not change meanwhile.</summary>
    public long Version
    {
        get
        {
            lock (_lock)
            {
                return _version;
            }
        }
    }

    /// <summary>Whether changes made on other nodes reach this one now.</summary>
    public bool IsListening
    {
        get
        {
            lock (_lock)
            {
                return _listening;
            }
        }
    }

    public bool TryGet<T>(string key, out T value) where T : class
    {
        lock (_lock)
        {
            if (_listening && _entries.TryGetValue(key, out var entry) && entry.Until > time.GetUtcNow() && entry.Value is T found)
            {
                value = found;
                return true;
            }
        }

        value = null!;
        return false;
    }

    /// <summary>Keeps <paramref name="value"/>, read from the database when the cache was at <paramref name="version"/>, unless a change came since.</summary>
    public void Set(string key, object value, long version)
    {
        lock (_lock)
        {
            if (!_listening || version != _version || _lifetime <= TimeSpan.Zero)
            {
                return;
            }

            if (_entries.Count >= MaximumEntries)
            {
                _entries = new(StringComparer.Ordinal);
            }

            _entries[key] = new Entry(value, time.GetUtcNow() + _lifetime);
        }
    }

    /// <summary>Forgets everything: an application or a scope changed (here, or on another node).</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _version++;
            _entries = new(StringComparer.Ordinal);
        }
    }

    /// <summary>Whether changes made on other nodes reach this one; while they do not, nothing is served.</summary>
    internal void SetListening(bool listening)
    {
        lock (_lock)
        {
            _listening = listening;
            _version++;
            _entries = new(StringComparer.Ordinal);
        }
    }

    private sealed record Entry(object Value, DateTimeOffset Until);
}

/// <summary>
/// The mapped values of an entity as read from the database, from which a new instance of it is made for each request
/// that needs it: instances are never shared between requests (EF Core would fix up their navigations, and OpenIddict
/// may update them), only the values, which are strings and other immutable values.
/// </summary>
internal sealed class EntitySnapshot
{
    private readonly IEntityType _type;
    private readonly (IProperty Property, object? Value)[] _values;
    private readonly (IProperty Property, object? Value)[] _key;

    private EntitySnapshot(IEntityType type, (IProperty, object?)[] values)
    {
        _type = type;
        _values = values;
        _key = [.. type.FindPrimaryKey()!.Properties.Select(k => values.First(v => v.Item1 == k))];
    }

    /// <summary>
    /// A snapshot of an entity as read (tracked, unchanged), or null for one with changes not yet saved or of a type
    /// whose values cannot all be copied (a shadow property, a mutable value).
    /// </summary>
    public static EntitySnapshot? Of(DbContext db, object entity)
    {
        var entry = db.Entry(entity);
        if (entry.State != EntityState.Unchanged)
        {
            return null;
        }

        var type = entry.Metadata;
        var properties = type.GetProperties().ToArray();
        if (properties.Any(p => p.PropertyInfo is null || p.PropertyInfo.SetMethod is null || !IsImmutable(p.ClrType)))
        {
            return null;
        }

        return new EntitySnapshot(type, [.. properties.Select(p => (p, entry.Property(p.Name).CurrentValue))]);
    }

    /// <summary>
    /// What a query of <paramref name="db"/> would return: the instance it already tracks under this key, or else a
    /// new instance with the snapshot's values, tracked as unchanged (as if just read).
    /// </summary>
    public T Attach<T>(DbContext db) where T : class
    {
        // Without DetectChanges, which would scan every tracked entity for changes: a key never changes, so comparing
        // keys needs none, and a new entity's state is set directly (it has no related entities to discover).
        var tracker = db.ChangeTracker;
        var detect = tracker.AutoDetectChangesEnabled;
        tracker.AutoDetectChangesEnabled = false;
        try
        {
            foreach (var tracked in tracker.Entries<T>())
            {
                if (_key.All(k => Equals(k.Property.PropertyInfo!.GetValue(tracked.Entity), k.Value)))
                {
                    return tracked.Entity;
                }
            }

            var entity = Create<T>();
            db.Entry(entity).State = EntityState.Unchanged;
            return entity;
        }
        finally
        {
            tracker.AutoDetectChangesEnabled = detect;
        }
    }

    /// <summary>A new, untracked instance with the snapshot's values.</summary>
    public T Create<T>() where T : class
    {
        var entity = (T)Activator.CreateInstance(_type.ClrType)!;
        foreach (var (property, value) in _values)
        {
            property.PropertyInfo!.SetValue(entity, value);
        }

        return entity;
    }

    private static bool IsImmutable(Type type) =>
        type == typeof(string) || type.IsPrimitive || type.IsEnum || Nullable.GetUnderlyingType(type) is { } underlying && IsImmutable(underlying)
        || type == typeof(Guid) || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(decimal);
}
