using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using LazyMigrate.Scripting.Sandbox;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace LazyMigrate.Scripting.Resilience;

/// <summary>
/// One bulkhead and one circuit breaker per legacy connection (keyed by its name). The bulkhead caps the calls a
/// legacy database sees at once and how many may wait; the breaker stops calling a legacy system that keeps failing
/// so logins fail fast with "try again later" instead of piling up until their deadline. With cluster slots, a call
/// that got through this node's bulkhead also takes one of the connection's slots shared by all nodes before it runs.
/// </summary>
/// <remarks>
/// The circuit breaker stays per node on purpose: each node learns on its own within a few calls that the legacy
/// system fails, and a shared breaker would need a database write on every outcome and would let one node's network
/// trouble stop sign-ins on nodes that reach the legacy system fine.
/// </remarks>
internal sealed class LegacyConnectionGuards(TimeProvider time, IClusterCallSlots? clusterSlots = null)
{
    /// <summary>
    /// A shared slot outlives its call by this much at most: the call itself ends by its deadline (the worker is
    /// killed soon after), so the lease only matters when the node holding it dies.
    /// </summary>
    internal static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Guard> _guards = new(StringComparer.Ordinal);

    public async Task<ScriptRun> RunAsync(LegacyConnection connection, Func<CancellationToken, Task<ScriptRun>> run, CancellationToken deadline)
    {
        var limits = connection.Limits;
        var guard = _guards.AddOrUpdate(
            connection.Name,
            _ => Build(limits, time),
            (_, existing) => existing.Limits == limits ? existing : Build(limits, time));
        if (clusterSlots is null)
        {
            return await guard.Pipeline.ExecuteAsync(static async (state, token) => await state(token), run, deadline);
        }

        return await guard.Pipeline.ExecuteAsync(
            static async (state, token) =>
            {
                var (slots, connection, run) = state;
                await using var slot = await slots.AcquireAsync(connection.Name, Math.Max(1, connection.Limits.MaxConcurrentCalls), connection.Limits.Timeout + LeaseMargin, token);
                return await run(token);
            },
            (clusterSlots, connection, run),
            deadline);
    }

    /// <summary>Each connection's bulkhead and breaker as they are now (for the metrics), for connections called since start.</summary>
    public IReadOnlyList<LegacyConnectionLoad> CurrentLoad() =>
        [.. _guards.Select(pair =>
        {
            var statistics = pair.Value.Bulkhead.GetStatistics();
            var permits = Math.Max(1, pair.Value.Limits.MaxConcurrentCalls);
            return new LegacyConnectionLoad(
                pair.Key,
                permits - (int)(statistics?.CurrentAvailablePermits ?? permits),
                (int)(statistics?.CurrentQueuedCount ?? 0),
                pair.Value.Breaker.CircuitState switch
                {
                    CircuitState.Open or CircuitState.Isolated => LegacyCircuitState.Open,
                    CircuitState.HalfOpen => LegacyCircuitState.HalfOpen,
                    _ => LegacyCircuitState.Closed,
                });
        })];

    private static Guard Build(ScriptLimits limits, TimeProvider time)
    {
        var breaker = new CircuitBreakerStateProvider();
        var bulkhead = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, limits.MaxConcurrentCalls),
            QueueLimit = Math.Max(0, limits.MaxQueuedCalls),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        return new Guard(limits, Pipeline(limits, time, breaker, bulkhead), bulkhead, breaker);
    }

    private static ResiliencePipeline<ScriptRun> Pipeline(ScriptLimits limits, TimeProvider time, CircuitBreakerStateProvider breaker, ConcurrencyLimiter bulkhead) =>
        new ResiliencePipelineBuilder<ScriptRun> { TimeProvider = time }
            // Outermost: an open circuit answers before a call takes a slot or joins the queue.
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<ScriptRun>
            {
                FailureRatio = limits.BreakerFailureRatio,
                MinimumThroughput = Math.Max(2, limits.BreakerMinimumThroughput),
                SamplingDuration = limits.BreakerSamplingDuration < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : limits.BreakerSamplingDuration,
                BreakDuration = limits.BreakerDuration < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : limits.BreakerDuration,
                // Only the legacy system's failures count: a script's own bug or loop says nothing about its health.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.LegacyFault == true),
                StateProvider = breaker,
            })
            .AddRateLimiter(bulkhead)
            .Build();

    private sealed record Guard(ScriptLimits Limits, ResiliencePipeline<ScriptRun> Pipeline, ConcurrencyLimiter Bulkhead, CircuitBreakerStateProvider Breaker);
}
