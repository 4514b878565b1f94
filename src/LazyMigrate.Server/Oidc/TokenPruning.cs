using LazyMigrate.Server.Data;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Deletes expired, redeemed and revoked tokens and dead authorizations in the background, so the token table does not
/// grow forever. Every node runs it; the deletes are idempotent.
/// </summary>
public sealed class TokenPruning(IServiceScopeFactory scopes, DatabaseReadiness readiness, IOptions<OidcOptions> options,
    TimeProvider time, ILogger<TokenPruning> logger) : PeriodicDatabaseWork(scopes, readiness, time, logger)
{
    protected override TimeSpan Interval => options.Value.PruneInterval;

    protected override async Task RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var threshold = Time.GetUtcNow() - options.Value.PruneOlderThan;
        var tokens = await services.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
        var authorizations = await services.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
        Logger.LogInformation("Pruned {Tokens} tokens and {Authorizations} authorizations", tokens, authorizations);
    }
}
