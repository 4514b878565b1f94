namespace LazyMigrate.Server.Data;

/// <summary>
/// Background upkeep of the database that every node runs (pruning of tokens, audit entries, throttle counters): once
/// the database is ready, then every <see cref="Interval"/>. The work must be idempotent, since all nodes do it. A
/// failed round (the database briefly away) is logged and retried at the next tick rather than stopping the host.
/// </summary>
public abstract class PeriodicDatabaseWork(IServiceScopeFactory scopes, DatabaseReadiness readiness, TimeProvider time, ILogger logger)
    : BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    protected TimeProvider Time => time;

    protected ILogger Logger => logger;

    /// <summary>One round, in a scope of its own.</summary>
    protected abstract Task RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.Ready.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await RunAsync(scope.ServiceProvider, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "{Work} failed; trying again in {Interval}", GetType().Name, Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
