using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.DataProtection;

namespace LazyMigrate.Server.Email;

/// <summary>The <c>LazyMigrate:Email:Outbox</c> section.</summary>
public sealed class EmailOutboxOptions
{
    public const string Section = "LazyMigrate:Email:Outbox";

    /// <summary>How often each node looks for messages due (a message written on the node itself wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first wait after a failed send; doubled on each further failure.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tries before a message is given up (logged, without its body): about 15 minutes with the default delay.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>How long a node holds a message it sends before another node may take it (it crashed).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Queues mail in PostgreSQL. A message is added to the caller's <see cref="LazyMigrateDbContext"/> and written by
/// the caller's own <c>SaveChanges</c>, so it commits or rolls back with the change that asked for it (a pending reset,
/// say); <see cref="EmailOutboxSender"/> on any node sends it afterwards. Nothing is ever dropped for lack of room:
/// floods are bounded before this point, by the rate limits of the flows that send mail.
/// </summary>
public sealed class EmailOutbox(IDataProtectionProvider dataProtection, TimeProvider time) : IDisposable
{
    private readonly IDataProtector _protector = dataProtection.CreateProtector("LazyMigrate.Email.Outbox.v1");
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Add(LazyMigrateDbContext db, string to, string subject, string body)
    {
        var now = time.GetUtcNow();
        db.OutgoingEmails.Add(new OutgoingEmail
        {
            Id = Guid.CreateVersion7(),
            To = to,
            Subject = subject,
            ProtectedBody = _protector.Protect(body),
            DueAt = now,
            CreatedAt = now,
        });

        // Wake this node's sender once the row is written. Inside an explicit transaction the wake comes before the
        // commit and finds nothing; the next poll sends it then.
        db.SavedChanges += WakeOnce;

        void WakeOnce(object? sender, Microsoft.EntityFrameworkCore.SavedChangesEventArgs e)
        {
            db.SavedChanges -= WakeOnce;
            Wake();
        }
    }

    internal string Unprotect(OutgoingEmail message) => _protector.Unprotect(message.ProtectedBody);

    internal void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one round takes every message due.
        }
    }

    internal Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}
