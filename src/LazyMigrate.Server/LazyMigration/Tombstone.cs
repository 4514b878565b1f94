namespace LazyMigrate.Server.LazyMigration;

/// <summary>
/// What is left of a deleted migrated user: enough to recognise them in the legacy system, so that their next
/// login does not silently bring them back (the legacy system still has them).
/// </summary>
public sealed class Tombstone
{
    public long Id { get; set; }

    public required string Connection { get; set; }

    public required string LegacyId { get; set; }

    public string? NormalizedEmail { get; set; }

    public DateTimeOffset DeletedAt { get; set; }
}
