using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.Data;

/// <summary>
/// A person who can sign in. Native users are created here; migrated users carry the legacy connection they came from
/// and their id there, so the legacy system is never asked about them again.
/// </summary>
public sealed class User : IdentityUser<Guid>
{
    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastLoginAt { get; set; }

    /// <summary>When the user was imported from a legacy connection; null for native users.</summary>
    public DateTimeOffset? MigratedAt { get; set; }

    /// <summary>Name of the legacy connection the user came from; unique together with <see cref="LegacyId"/>.</summary>
    public string? SourceConnection { get; set; }

    /// <summary>The user's stable id in the legacy system.</summary>
    public string? LegacyId { get; set; }

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
}

public sealed class Role : IdentityRole<Guid>
{
    public const string Admin = "admin";
}
