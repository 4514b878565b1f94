using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.Data;

/// <summary>
/// A person who can sign in. Native users are created here; migrated users carry their legacy identities (the
/// connection and id they came from, and any other legacy pool that knows them), so no legacy system is asked
/// about them again.
/// </summary>
public sealed class User : IdentityUser<Guid>
{
    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }

    /// <summary>When the user was imported from a legacy connection; null for native users.</summary>
    public DateTimeOffset? MigratedAt { get; set; }

    public string? Name { get; set; }

    public string? GivenName { get; set; }

    public string? FamilyName { get; set; }

    public string? Nickname { get; set; }

    public string? Picture { get; set; }

    /// <summary>Free-form profile data the user may see and edit (JSON object, stored as jsonb).</summary>
    public string? UserMetadata { get; set; }

    /// <summary>Data only administrators and applications may change (JSON object, stored as jsonb).</summary>
    public string? AppMetadata { get; set; }

    /// <summary>
    /// Email, username and name in lower case, computed by PostgreSQL and indexed with trigrams, so a management search
    /// for any prefix or substring of them is one index scan even with millions of users.
    /// </summary>
    public string? SearchText { get; private set; }

    /// <summary>The user's accounts in legacy systems: the one imported from first, then any linked since.</summary>
    public List<Identities.UserIdentity> Identities { get; set; } = [];
}

public sealed class Role : IdentityRole<Guid>
{
    public const string Admin = "admin";
}
