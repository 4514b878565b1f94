using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LazyMigrate.Server.Hosting;

/// <summary>
/// Gives the memory of a finished burst (start-up, a load, an import) back to the system once the server goes quiet.
/// The GC keeps the heap and budgets it grew for the busiest recent time, so an idle server otherwise goes on holding
/// them: 18 MB of a 206 MB process after start-up alone (bench/README.md, "Seventh round"). One collection that
/// compacts and decommits what it can, when an interval passes with next to no allocation and enough was allocated
/// since the last one to be worth it; never under load, where its pause would be every request's.
/// </summary>
public sealed class IdleMemoryRelease(TimeProvider time, ILogger<IdleMemoryRelease> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>What an idle server allocates in an interval (health probes, a metrics scrape) stays below this.</summary>
    private const long QuietBytes = 2 << 20;

    /// <summary>Allocated since the last release; below it there is too little to give back for a full collection.</summary>
    private const long WorthBytes = 32 << 20;

    /// <summary>The rule, given what was allocated in the last interval and since the last release.</summary>
    private static bool ShouldRelease(long allocatedInInterval, long allocatedSinceRelease) =>
        allocatedInInterval < QuietBytes && allocatedSinceRelease >= WorthBytes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        long atTick = GC.GetTotalAllocatedBytes(), atRelease = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var allocated = GC.GetTotalAllocatedBytes();
                if (ShouldRelease(allocated - atTick, allocated - atRelease))
                {
                    var before = Environment.WorkingSet;
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    logger.LogDebug("Idle: released memory, working set {Before} MB to {After} MB",
                        before >> 20, Environment.WorkingSet >> 20);
                    allocated = GC.GetTotalAllocatedBytes();
                    atRelease = allocated;
                }

                atTick = allocated;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

public static class IdleMemoryReleaseExtensions
{
    public static IServiceCollection AddIdleMemoryRelease(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        return services.AddHostedService<IdleMemoryRelease>();
    }
}
