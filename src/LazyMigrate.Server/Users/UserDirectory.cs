using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.LazyMigration;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Users;

public enum UserSort
{
    CreatedAt,
    CreatedAtDescending,
    Email,
    EmailDescending,
}

/// <summary>A search of the user store: every filter is optional; <see cref="Cursor"/> continues a previous page.</summary>
public sealed record UserQuery
{
    public const int MaxLimit = 200;

    /// <summary>Prefix or substring of the email, username or name, case-insensitive.</summary>
    public string? Q { get; init; }

    /// <summary>True: users imported from a legacy connection; false: users created here.</summary>
    public bool? Migrated { get; init; }

    public string? Connection { get; init; }

    public bool? Blocked { get; init; }

    // Npgsql writes only UTC offsets to timestamptz: a filter given as 10:00+02:00 means 08:00Z.
    public DateTimeOffset? CreatedFrom { get; init => field = value?.ToUniversalTime(); }

    public DateTimeOffset? CreatedTo { get; init => field = value?.ToUniversalTime(); }

    public DateTimeOffset? MigratedFrom { get; init => field = value?.ToUniversalTime(); }

    public DateTimeOffset? MigratedTo { get; init => field = value?.ToUniversalTime(); }

    public DateTimeOffset? LastLoginFrom { get; init => field = value?.ToUniversalTime(); }

    public DateTimeOffset? LastLoginTo { get; init => field = value?.ToUniversalTime(); }

    public UserSort Sort { get; init; }

    public int Limit { get; init; } = 50;

    public string? Cursor { get; init; }
}

/// <summary>One page: <see cref="Total"/> counts every match, <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record UserPage(IReadOnlyList<UserView> Items, int Total, string? NextCursor);

/// <summary>What administrators see of a user. Never the password hash, security stamp or anything derived from them.</summary>
public sealed record UserView(
    Guid Id,
    string? Email,
    bool EmailVerified,
    string? UserName,
    string? Name,
    string? GivenName,
    string? FamilyName,
    string? Nickname,
    string? Picture,
    string? PhoneNumber,
    bool Blocked,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastLoginAt,
    DateTimeOffset? MigratedAt,
    string? Connection,
    string? LegacyId,
    JsonElement? UserMetadata,
    JsonElement? AppMetadata,
    IReadOnlyList<IdentityView> Identities,
    Account.CredentialView Credential)
{
    /// <param name="user">With its identities loaded: <see cref="Connection"/> and <see cref="LegacyId"/> are the imported one's.</param>
    public static UserView From(User user)
    {
        var imported = user.Identities.FirstOrDefault(i => i.Origin == IdentityOrigin.Imported);
        return new(
            user.Id, user.Email, user.EmailConfirmed, user.UserName, user.Name, user.GivenName, user.FamilyName, user.Nickname,
            user.Picture, user.PhoneNumber, IsBlocked(user), user.CreatedAt, user.LastLoginAt, user.MigratedAt, imported?.Connection,
            imported?.LegacyId, Json(user.UserMetadata), Json(user.AppMetadata),
            user.Identities.OrderBy(i => i.LinkedAt).ThenBy(i => i.Id).Select(IdentityView.From).ToList(),
            Account.CredentialView.Of(user.PasswordHash));
    }

    /// <summary>Blocking is an administrator's lockout that never ends (failed passwords never lock: see LoginThrottle).</summary>
    public static bool IsBlocked(User user) => user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow.AddYears(100);

    internal static JsonElement? Json(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}

/// <summary>One legacy account of a user, with the profile that legacy system gave (for the admin; never merged into the user's).</summary>
public sealed record IdentityView(string Connection, string LegacyId, IdentityOrigin Origin, string? Email, bool EmailVerified,
    DateTimeOffset LinkedAt, JsonElement? Profile)
{
    public static IdentityView From(UserIdentity identity) => new(identity.Connection, identity.LegacyId, identity.Origin, identity.Email,
        identity.EmailVerified, identity.LinkedAt, UserView.Json(identity.Profile));
}

/// <summary>
/// Reads the user store for the management API and the console. Pages are keyset-paged on a unique order
/// (the sort key, then the id), so walking the pages visits every user exactly once even while users are added.
/// </summary>
public sealed class UserDirectory(LazyMigrateDbContext db, Microsoft.AspNetCore.Identity.ILookupNormalizer normalizer)
{
    /// <summary>
    /// Up to this many matches of <see cref="UserQuery.Q"/>, a page is cut from all of them (trigram index, then a
    /// top-N sort) instead of leaving PostgreSQL free to walk the (CreatedAt, Id) index and filter row by row. Both
    /// bounds stay small: at most this many rows sorted here, and above it a walk reads about limit × users / matches
    /// rows before its page is full.
    /// </summary>
    public const int SmallMatchSet = 5_000;

    public async Task<UserPage> SearchAsync(UserQuery query, CancellationToken cancellationToken)
    {
        var users = Filter(db.Users.AsNoTracking(), query);
        var total = await users.CountAsync(cancellationToken);

        // The planner estimates LIKE '%…%' matches from statistics, often several times too many: it then prefers to
        // walk the (CreatedAt, Id) index in page order and test each row, which for a few hundred matches among 100,000
        // users reads thousands of rows, and the whole index when fewer than a page match. The exact count is known
        // by now, so when it is small the matches are taken through the trigram index behind OFFSET 0 (a subquery the
        // planner may not merge into the ordered outer query) and sorted. Same rows, same order.
        if (total <= SmallMatchSet && SearchPattern(query) is { } pattern)
        {
            users = Filter(
                db.Users.FromSql($"""SELECT * FROM "AspNetUsers" WHERE "SearchText" LIKE {pattern} ESCAPE '\' OFFSET 0""").AsNoTracking(),
                query with { Q = null });
        }

        var cursor = Cursor.Decode(query.Cursor);
        if (cursor is not null)
        {
            users = After(users, query.Sort, cursor);
        }

        var limit = Math.Clamp(query.Limit, 1, UserQuery.MaxLimit);
        var page = await Order(users, query.Sort).Take(limit + 1).Include(u => u.Identities).AsSplitQuery().ToListAsync(cancellationToken);
        var next = page.Count > limit ? Cursor.Encode(query.Sort, page[limit - 1]) : null;
        return new UserPage(page.Take(limit).Select(UserView.From).ToList(), total, next);
    }

    public async Task<UserView?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Users.AsNoTracking().Include(u => u.Identities).SingleOrDefaultAsync(u => u.Id == id, cancellationToken) is { } user ? UserView.From(user) : null;

    public async Task<UserView?> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        var normalized = normalizer.NormalizeEmail(email);
        return await db.Users.AsNoTracking().Include(u => u.Identities).SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, cancellationToken) is { } user
            ? UserView.From(user)
            : null;
    }

    /// <summary>The user's latest audit entries, newest first.</summary>
    public async Task<IReadOnlyList<AuditEvent>> RecentEventsAsync(Guid id, int count, CancellationToken cancellationToken) =>
        await db.AuditEvents.AsNoTracking().Where(a => a.UserId == id).OrderByDescending(a => a.At).ThenByDescending(a => a.Id)
            .Take(count).ToListAsync(cancellationToken);

    /// <summary>True when <paramref name="cursor"/> is absent or one this directory made.</summary>
    public static bool IsValidCursor(string? cursor) => cursor is null || Cursor.Decode(cursor) is not null;

    private static IQueryable<User> Filter(IQueryable<User> users, UserQuery query)
    {
        if (SearchPattern(query) is { } pattern)
        {
            // SearchText is lower(email || username || name); the trigram index serves LIKE '%…%' for any prefix or substring.
            users = users.Where(u => EF.Functions.Like(u.SearchText!, pattern, @"\"));
        }

        if (query.Migrated is { } migrated)
        {
            users = migrated ? users.Where(u => u.MigratedAt != null) : users.Where(u => u.MigratedAt == null);
        }

        if (query.Connection is { } connection)
        {
            // Any of the user's identities: a person linked to this pool is one of its users too.
            users = users.Where(u => u.Identities.Any(i => i.Connection == connection));
        }

        if (query.Blocked is { } blocked)
        {
            var forever = DateTimeOffset.UtcNow.AddYears(100);
            users = blocked ? users.Where(u => u.LockoutEnd > forever) : users.Where(u => u.LockoutEnd == null || u.LockoutEnd <= forever);
        }

        if (query.CreatedFrom is { } createdFrom) users = users.Where(u => u.CreatedAt >= createdFrom);
        if (query.CreatedTo is { } createdTo) users = users.Where(u => u.CreatedAt < createdTo);
        if (query.MigratedFrom is { } migratedFrom) users = users.Where(u => u.MigratedAt >= migratedFrom);
        if (query.MigratedTo is { } migratedTo) users = users.Where(u => u.MigratedAt < migratedTo);
        if (query.LastLoginFrom is { } lastLoginFrom) users = users.Where(u => u.LastLoginAt >= lastLoginFrom);
        if (query.LastLoginTo is { } lastLoginTo) users = users.Where(u => u.LastLoginAt < lastLoginTo);
        return users;
    }

    /// <summary>The LIKE pattern of <see cref="UserQuery.Q"/> (escaped, lower case, % on both sides), or null without one.</summary>
    private static string? SearchPattern(UserQuery query) => string.IsNullOrWhiteSpace(query.Q)
        ? null
        : "%" + EscapeLike(query.Q.Trim().Normalize(NormalizationForm.FormC).ToLowerInvariant()) + "%";

    private static IQueryable<User> Order(IQueryable<User> users, UserSort sort) => sort switch
    {
        UserSort.CreatedAtDescending => users.OrderByDescending(u => u.CreatedAt).ThenByDescending(u => u.Id),
        UserSort.Email => users.OrderBy(u => u.NormalizedEmail).ThenBy(u => u.Id),
        UserSort.EmailDescending => users.OrderByDescending(u => u.NormalizedEmail).ThenByDescending(u => u.Id),
        _ => users.OrderBy(u => u.CreatedAt).ThenBy(u => u.Id),
    };

    // Row-value comparisons, (a, b) > (x, y): one index range scan, and exactly the rows after the cursor.
    private static IQueryable<User> After(IQueryable<User> users, UserSort sort, Cursor cursor) => sort switch
    {
        UserSort.CreatedAtDescending => users.Where(u => EF.Functions.LessThan(ValueTuple.Create(u.CreatedAt, u.Id), ValueTuple.Create(cursor.CreatedAt, cursor.Id))),
        UserSort.Email => users.Where(u => EF.Functions.GreaterThan(ValueTuple.Create(u.NormalizedEmail!, u.Id), ValueTuple.Create(cursor.Email, cursor.Id))),
        UserSort.EmailDescending => users.Where(u => EF.Functions.LessThan(ValueTuple.Create(u.NormalizedEmail!, u.Id), ValueTuple.Create(cursor.Email, cursor.Id))),
        _ => users.Where(u => EF.Functions.GreaterThan(ValueTuple.Create(u.CreatedAt, u.Id), ValueTuple.Create(cursor.CreatedAt, cursor.Id))),
    };

    private static string EscapeLike(string value) =>
        value.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    /// <summary>The last row of a page, opaque to clients: base64url of "ticks|email|id".</summary>
    private sealed record Cursor(DateTimeOffset CreatedAt, string Email, Guid Id)
    {
        public static string Encode(UserSort sort, User last) =>
            Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
                string.Join('|', last.CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), last.Id.ToString("N"), last.NormalizedEmail ?? "")));

        public static Cursor? Decode(string? value)
        {
            if (string.IsNullOrEmpty(value) || value.Length > 2048)
            {
                return null;
            }

            try
            {
                var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value)).Split('|', 3);
                return parts.Length == 3 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                    && ticks is >= 0 && ticks <= 3155378975999999999 && Guid.TryParseExact(parts[1], "N", out var id)
                    ? new Cursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[2], id)
                    : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
