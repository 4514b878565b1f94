using System.Diagnostics;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LazyMigrate.LoadBench;

/// <summary>The native hashers the server can be configured with, as it configures them.</summary>
internal static class NativeHash
{
    public const string Pbkdf2 = "pbkdf2";
    public const string Argon2id = "argon2id";
    public static readonly string[] All = [Pbkdf2, Argon2id];

    public static IPasswordHasher<User> For(string algorithm) => algorithm switch
    {
        Pbkdf2 => new PasswordHasher<User>(Options.Create(new PasswordHasherOptions { IterationCount = new AccountOptions().PasswordHashIterations })),
        Argon2id => new Argon2idPasswordHasher(),
        _ => throw new ArgumentException($"unknown hash algorithm '{algorithm}': {string.Join(" or ", All)}"),
    };
}

internal sealed record HashRate(double PerSecond, long Operations, double ManagedBytesPerOperation, long PeakResidentGrowth, int Concurrency)
{
    /// <summary>Memory one hash needs while it runs: what the process grew by at the peak, shared by the concurrent hashes.</summary>
    public double ResidentBytesPerConcurrentHash => (double)PeakResidentGrowth / Concurrency;

    public override string ToString() =>
        $"{Operations} in the run; {ManagedBytesPerOperation / 1024:0.0} KiB managed allocation per hash; peak RSS +{PeakResidentGrowth / 1048576.0:0.0} MiB " +
        $"with {Concurrency} concurrent ({ResidentBytesPerConcurrentHash / 1048576.0:0.0} MiB each)";
}

/// <summary>
/// References measured in this process with the login run's concurrency and duration: what the hash alone allows on
/// every core, and what a first sign-in's cryptography alone allows (the legacy bcrypt verification, then hashing natively).
/// </summary>
internal static class HashReference
{
    public static Task<HashRate> NativeVerifyAsync(IPasswordHasher<User> hasher, string password, int concurrency, BenchSettings settings)
    {
        var hash = hasher.HashPassword(new User(), password);
        return RunAsync(() =>
        {
            if (hasher.VerifyHashedPassword(new User(), hash, password) == PasswordVerificationResult.Failed)
            {
                throw new InvalidOperationException("the native hash did not verify");
            }
        }, concurrency, settings);
    }

    /// <summary>Argon2id at the same parameters in managed code (Konscious, which the legacy verifier uses): why the native hash is libsodium's.</summary>
    public static Task<HashRate> ManagedArgon2idAsync(string password, int concurrency, BenchSettings settings)
    {
        var salt = new byte[16];
        return RunAsync(() =>
        {
            using var argon2 = new Konscious.Security.Cryptography.Argon2id(System.Text.Encoding.UTF8.GetBytes(password))
            {
                Salt = salt,
                DegreeOfParallelism = Argon2idPasswordHasher.Lanes,
                MemorySize = Argon2idPasswordHasher.MemoryKiB,
                Iterations = Argon2idPasswordHasher.Passes,
            };
            argon2.GetBytes(32);
        }, concurrency, settings);
    }

    public static Task<HashRate> LegacyThenNativeAsync(IPasswordHasher<User> hasher, string password, int concurrency, BenchSettings settings)
    {
        var legacy = BCrypt.Net.BCrypt.HashPassword(password, 10);
        return RunAsync(() =>
        {
            if (!BCrypt.Net.BCrypt.Verify(password, legacy))
            {
                throw new InvalidOperationException("the bcrypt hash did not verify");
            }

            hasher.HashPassword(new User(), password);
        }, concurrency, settings);
    }

    private static async Task<HashRate> RunAsync(Action work, int concurrency, BenchSettings settings)
    {
        await LoopAsync(work, concurrency, TimeSpan.FromSeconds(settings.Warmup));
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var baseline = self.WorkingSet64;
        var peak = baseline;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                await Task.Delay(20, CancellationToken.None);
            }
        }, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var operations = await LoopAsync(work, concurrency, TimeSpan.FromSeconds(settings.Duration));
        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var managed = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        return new HashRate(operations / seconds, operations, (double)managed / operations, peak - baseline, concurrency);
    }

    private static async Task<long> LoopAsync(Action work, int concurrency, TimeSpan duration)
    {
        long operations = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        // Dedicated threads, as many as the login run's connections: the same concurrency on the same cores.
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Factory.StartNew(() =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                work();
                Interlocked.Increment(ref operations);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers);
        return operations;
    }
}
