namespace LazyMigrate.Server.Sandbox;

/// <summary>
/// One of a legacy connection's cluster-wide call slots (<see cref="PostgresCallSlots"/>): free when
/// <see cref="Holder"/> is null or its lease has run out.
/// </summary>
public sealed class LegacyCallSlot
{
    public required string Connection { get; set; }

    /// <summary>0 to the connection's MaxConcurrentCalls − 1; rows above a lowered limit are simply never taken.</summary>
    public int Slot { get; set; }

    /// <summary>A fresh id per acquisition, so a call whose lease ran out can never free the slot its successor took.</summary>
    public Guid? Holder { get; set; }

    /// <summary>The database's clock, not a node's: every node compares leases against the same time.</summary>
    public DateTimeOffset LeaseUntil { get; set; }
}
