using LazyMigrate.Server.Data;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// The key schedule as a pure decision over the stored keys of one use: which key signs now, when the next one must
/// exist, and which old keys can go. A key retires when its successor activates and is dropped once every token it
/// can have made has expired (<paramref name="retention"/>: the longest token lifetime).
/// </summary>
public static class ServerKeySchedule
{
    public sealed record Key(Guid Id, DateTimeOffset ActivatesAt);

    public sealed record Plan(DateTimeOffset? CreateActivatingAt, IReadOnlyList<Guid> Drop);

    /// <summary>The key that signs at <paramref name="now"/>: the newest already active (or, before any is, the first).</summary>
    public static Key? Active(IEnumerable<Key> keys, DateTimeOffset now)
    {
        var ordered = keys.OrderBy(k => k.ActivatesAt).ThenBy(k => k.Id).ToList();
        return ordered.LastOrDefault(k => k.ActivatesAt <= now) ?? ordered.FirstOrDefault();
    }

    public static Plan Decide(IReadOnlyCollection<Key> keys, DateTimeOffset now, ServerKeyRotationOptions options, TimeSpan? retention)
    {
        if (keys.Count == 0)
        {
            return new Plan(now, []);
        }

        var ordered = keys.OrderBy(k => k.ActivatesAt).ThenBy(k => k.Id).ToList();
        var newest = ordered[^1];

        // The next key is written PublishAhead before it signs. A schedule that fell behind (every node was down)
        // never activates a key sooner than PublishAhead from now: clients must see it first.
        DateTimeOffset? create = null;
        if (newest.ActivatesAt <= now && newest.ActivatesAt + options.RotateEvery - options.PublishAhead <= now)
        {
            var due = newest.ActivatesAt + options.RotateEvery;
            create = due < now + options.PublishAhead ? now + options.PublishAhead : due;
        }

        // A key is retired when the next one activates; the tokens it made last until retention after that.
        var drop = new List<Guid>();
        if (retention is { } keep)
        {
            for (var i = 0; i < ordered.Count - 1; i++)
            {
                if (ordered[i + 1].ActivatesAt + keep <= now)
                {
                    drop.Add(ordered[i].Id);
                }
            }
        }

        return new Plan(create, drop);
    }

    /// <summary>The next moment the signing key changes, or null when no newer key is waiting.</summary>
    public static DateTimeOffset? NextActivation(IEnumerable<Key> keys, DateTimeOffset now) =>
        keys.Where(k => k.ActivatesAt > now).Select(k => (DateTimeOffset?)k.ActivatesAt).Min();

    public static Key ToKey(ServerKey key) => new(key.Id, key.ActivatesAt);
}
