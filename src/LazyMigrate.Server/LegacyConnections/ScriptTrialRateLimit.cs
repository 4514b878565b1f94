using System.Threading.RateLimiting;
using LazyMigrate.Server.Hosting;
using LazyMigrate.Server.Management;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.LegacyConnections;

/// <summary>The limit on script trials, shared by the management API's Try and the console's Try page.</summary>
public static class ScriptTrialRateLimit
{
    public static IServiceCollection AddScriptTrialRateLimit(this IServiceCollection services) =>
        services.AddRateLimiter(options =>
        {
            // Try runs real scripts against the legacy system: a leaked token must not turn it into a password oracle.
            options.AddPolicy(ScriptTrials.RateLimitPolicy, http => RateLimitPartition.GetTokenBucketLimiter(
                http.User.Identity?.Name ?? ApiProblems.Actor(http.User),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = 20,
                    TokensPerPeriod = 20,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, cancellationToken) =>
            {
                // Console pages get the site's error page (written by status-code pages); API callers a problem detail.
                if (!ErrorResponses.WantsProblemDetails(context.HttpContext))
                {
                    return;
                }

                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many tries",
                        Detail = "Script tries are limited to 20 a minute. Wait a moment and try again.",
                    },
                });
            };
        });
}
