namespace LazyMigrate.Server.Email;

/// <summary>
/// A message in the outbox: written in the transaction that decided to send it, deleted once sent or given up.
/// The body may hold a live reset link, which is a password for whoever reads it, so it is stored protected with
/// Data Protection (keys shared by every node in the database) and never in clear.
/// </summary>
public sealed class OutgoingEmail
{
    public Guid Id { get; set; }

    public required string To { get; set; }

    public required string Subject { get; set; }

    /// <summary>The plain-text body, protected (<see cref="EmailOutbox"/>).</summary>
    public required string ProtectedBody { get; set; }

    /// <summary>Not before this time: the next try, or the end of the lease of the node sending it.</summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>Tries begun so far, counted when a node takes the message.</summary>
    public int Attempts { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
