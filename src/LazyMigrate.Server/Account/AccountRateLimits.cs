using System.Threading.RateLimiting;

namespace LazyMigrate.Server.Account;

/// <summary>
/// Limits on registration and password-reset requests, per address and per client address. Both forms ask the legacy
/// systems about an address and reset sends mail, so without a limit they are an existence oracle and a mail cannon.
/// The per-address limits do not depend on whether the address exists, so hitting one reveals nothing.
/// Note: counted per node, in memory; the login throttle, which must hold across nodes, lives in PostgreSQL.
/// </summary>
public sealed class AccountRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _registrationsPerAddress = Window(permits: 5, TimeSpan.FromHours(1));
    private readonly PartitionedRateLimiter<string> _registrationsPerClient = Window(permits: 20, TimeSpan.FromHours(1));
    private readonly PartitionedRateLimiter<string> _resetsPerAddress = Window(permits: 3, TimeSpan.FromMinutes(15));
    private readonly PartitionedRateLimiter<string> _resetsPerClient = Window(permits: 20, TimeSpan.FromHours(1));

    /// <summary>True when this registration attempt may go ahead.</summary>
    public bool TryRegister(string normalisedEmail, string? clientAddress) =>
        Acquire(_registrationsPerClient, clientAddress) && Acquire(_registrationsPerAddress, normalisedEmail);

    /// <summary>True when this reset request may go ahead.</summary>
    public bool TryRequestReset(string normalisedEmail, string? clientAddress) =>
        Acquire(_resetsPerClient, clientAddress) && Acquire(_resetsPerAddress, normalisedEmail);

    public void Dispose()
    {
        _registrationsPerAddress.Dispose();
        _registrationsPerClient.Dispose();
        _resetsPerAddress.Dispose();
        _resetsPerClient.Dispose();
    }

    private static bool Acquire(PartitionedRateLimiter<string> limiter, string? key)
    {
        // No address to count by (a Unix socket, an in-memory host): only the per-address limit applies.
        if (key is null)
        {
            return true;
        }

        using var lease = limiter.AttemptAcquire(key.ToUpperInvariant());
        return lease.IsAcquired;
    }

    private static PartitionedRateLimiter<string> Window(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
        }));
}
