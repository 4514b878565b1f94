using LazyMigrate.Server.Data;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Deletes expired, redeemed and revoked tokens and dead authorizations in the background, so the token table does not
/// grow forever. Every node runs it; the deletes are idempotent.
/// </summary>
public sealed class TokenPruning(IServiceScopeFactory scopes, DatabaseReadiness readiness, IOptions<OidcOptions> options,
    TimeProvider time, ILogger<TokenPruning> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.Ready.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var threshold = time.GetUtcNow() - options.Value.PruneOlderThan;
                var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, stoppingToken);
                var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, stoppingToken);
                logger.LogInformation("Pruned {Tokens} tokens and {Authorizations} authorizations", tokens, authorizations);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed round (database briefly away) is retried at the next tick rather than stopping the host.
                logger.LogWarning(ex, "Token pruning failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
