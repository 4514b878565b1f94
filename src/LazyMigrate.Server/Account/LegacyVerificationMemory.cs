using System.Threading.RateLimiting;
using LazyMigrate.Scripting.Crypto;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Account;

/// <summary>The <c>LazyMigrate:LegacyVerification</c> section.</summary>
public sealed class LegacyVerificationOptions
{
    public const string Section = "LazyMigrate:LegacyVerification";

    /// <summary>
    /// Memory (MiB) that memory-hard legacy verifications (scrypt, argon2) of bulk-imported users may hold at once on
    /// this node. Unset: an eighth of the memory the runtime may use, between 256 MiB (one verification at the cap)
    /// and 2 GiB.
    /// </summary>
    public int? MemoryMiB { get; set; }

    /// <summary>How long a sign-in waits for memory before it is refused like a wrong password (logged as an overload).</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// A semaphore counted in mebibytes for the legacy hashes that need memory to verify. An imported scrypt or argon2
/// hash may ask for up to 256 MiB (the verifier's cap); twenty people signing in at once with such hashes would ask
/// for 5 GiB and the process would be killed for it. Each verification takes its hash's memory from the budget
/// before it starts and gives it back when it ends; the others wait their turn. Hashes that need only kilobytes
/// (bcrypt, PBKDF2, digests) never wait.
/// </summary>
public sealed class LegacyVerificationMemory : IDisposable
{
    private const long MiB = 1024 * 1024;

    /// <summary>Below this a hash is not memory-hard enough to count: the budget would only add a lock to every sign-in.</summary>
    private const long MinimumCounted = MiB;

    private readonly ConcurrencyLimiter _budget;
    private readonly TimeSpan _maxWait;

    public LegacyVerificationMemory(IOptions<LegacyVerificationOptions> options)
    {
        var mib = options.Value.MemoryMiB
            ?? (int)Math.Clamp(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8 / MiB, 256, 2048);
        BudgetMiB = Math.Max(1, mib);
        _maxWait = options.Value.MaxWait;
        _budget = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = BudgetMiB,
            // Waiting is bounded by MaxWait, not by the queue: every waiter is a sign-in that would otherwise fail.
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The budget in MiB.</summary>
    public int BudgetMiB { get; }

    /// <summary>MiB waited for by verifications queued now (for tests and diagnostics).</summary>
    public long QueuedMiB => _budget.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>MiB free now.</summary>
    public long AvailableMiB => _budget.GetStatistics()?.CurrentAvailablePermits ?? 0;

    /// <summary>
    /// Takes <paramref name="hash"/>'s memory from the budget, waiting at most <see cref="LegacyVerificationOptions.MaxWait"/>.
    /// Null when it could not in time; a lease that holds nothing for a hash that needs little.
    /// </summary>
    public RateLimitLease? Acquire(LegacyPasswordHash hash)
    {
        var bytes = LegacyPasswordVerifier.MemoryCost(hash);
        return bytes < MinimumCounted ? Unmetered.Instance : Acquire(bytes);
    }

    /// <summary>Takes <paramref name="bytes"/> (rounded up to MiB, at most the whole budget) from the budget.</summary>
    public RateLimitLease? Acquire(long bytes)
    {
        var permits = (int)Math.Min(BudgetMiB, Math.Max(1, (bytes + MiB - 1) / MiB));
        using var timeout = new CancellationTokenSource(_maxWait);
        try
        {
            // Identity's hasher is synchronous; the thread would be busy hashing anyway, so it waits rather than hashes.
            var lease = _budget.AcquireAsync(permits, timeout.Token).AsTask().GetAwaiter().GetResult();
            if (lease.IsAcquired)
            {
                return lease;
            }

            lease.Dispose();
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose() => _budget.Dispose();

    private sealed class Unmetered : RateLimitLease
    {
        public static readonly Unmetered Instance = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
