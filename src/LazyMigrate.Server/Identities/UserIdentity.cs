namespace LazyMigrate.Server.Identities;

/// <summary>How a legacy identity came to belong to a user.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<IdentityOrigin>))]
public enum IdentityOrigin
{
    /// <summary>The user was created from this identity: its connection accepted the password (or a reset link).</summary>
    Imported,

    /// <summary>Another legacy system knows the same address; linked after the import so it never becomes a second user.</summary>
    Linked,
}

/// <summary>
/// One account of a user in one legacy system. A person known to several legacy pools is one user with several
/// identities; (connection, legacy id) is unique, so no legacy account belongs to two users.
/// </summary>
public sealed class UserIdentity
{
    public long Id { get; set; }

    public Guid UserId { get; set; }

    public required string Connection { get; set; }

    public required string LegacyId { get; set; }

    public IdentityOrigin Origin { get; set; }

    /// <summary>The address at that connection when linked (for users migrated before identities were kept: their address then).</summary>
    public string? Email { get; set; }

    public bool EmailVerified { get; set; }

    /// <summary>
    /// The profile as that connection described it (JSON), kept for the administrator. Only the importing
    /// connection's profile becomes the user's; the others are never merged into it silently.
    /// </summary>
    public string? Profile { get; set; }

    public DateTimeOffset LinkedAt { get; set; }

    /// <summary>
    /// The bulk import job that wrote this identity; null when it came with a sign-in (lazily). The dashboard tells
    /// the two apart by it, and an administrator can trace a bulk-imported user to the file or pull it came from.
    /// </summary>
    public Guid? ImportJobId { get; set; }
}

/// <summary>
/// A user whose other legacy identities are still to be looked for. Written in the import's transaction, so a crash
/// between the import and the linking loses nothing; any node may take it (see <see cref="IdentityLinking"/>).
/// </summary>
public sealed class PendingIdentityLink
{
    public Guid UserId { get; set; }

    /// <summary>Not before this time: the next try, or the end of the lease of the node working on it.</summary>
    public DateTimeOffset DueAt { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
