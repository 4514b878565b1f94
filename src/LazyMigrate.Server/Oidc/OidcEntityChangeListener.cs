using Npgsql;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Listens on PostgreSQL for changes to applications and scopes made on any node (<see cref="OidcEntityCache.Channel"/>)
/// and empties this node's <see cref="OidcEntityCache"/> on each. The cache serves nothing until the first LISTEN has
/// succeeded and nothing while the connection is down (it is emptied again on reconnecting), so a node that cannot
/// hear changes reads every client from the database, as it would without the cache.
/// </summary>
internal sealed class OidcEntityChangeListener(IConfiguration configuration, OidcEntityCache cache, ILogger<OidcEntityChangeListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Default"))
        {
            // A connection that dies silently (a node's network cut) is noticed within seconds, not at the next NOTIFY.
            KeepAlive = 10,
            Pooling = false,
        }.ConnectionString;
        var pause = FirstPause;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => cache.Invalidate();
                await using (var listen = new NpgsqlCommand($"LISTEN {OidcEntityCache.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // From here on every change is heard; what was read before is forgotten.
                cache.SetListening(true);
                pause = FirstPause;
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                cache.SetListening(false);
                logger.LogWarning(ex, "Not listening for client and scope changes (retrying in {Pause}); clients are read from the database meanwhile", pause);
            }
            finally
            {
                cache.SetListening(false);
            }

            try
            {
                await Task.Delay(pause, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
        }
    }
}
