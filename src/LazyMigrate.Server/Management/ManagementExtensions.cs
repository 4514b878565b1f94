using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Users;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using OpenIddict.Validation.AspNetCore;

namespace LazyMigrate.Server.Management;

public static class ManagementExtensions
{
    /// <summary>Request bodies above this are refused with 413 (the largest legitimate one is a 256 KB script).</summary>
    public const long MaxRequestBodyBytes = 512 * 1024;

    private const string Prefix = "/api/v1";

    /// <summary>The application services the management API and the console share, and the API's plumbing.</summary>
    public static IServiceCollection AddManagement(this IServiceCollection services)
    {
        services.AddScoped<UserDirectory>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<ConnectionAdministration>();
        services.AddScoped<ClientAdministration>();
        services.AddScoped<AuditLog>();

        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestHandler>();
        services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(options =>
        {
            // A misspelt field would otherwise be ignored and the change silently not made.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        // Malformed bodies and query strings become exceptions the handler above turns into problem details.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        services.AddRateLimiter(options =>
        {
            // Try runs real scripts against the legacy system: a leaked token must not turn it into a password oracle.
            options.AddPolicy(ConnectionsApi.TryRateLimit, http => RateLimitPartition.GetTokenBucketLimiter(
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
                if (!IsApi(context.HttpContext))
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

        services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer<ManagementOpenApi>();
            options.AddOperationTransformer<ManagementOpenApi>();
        });
        return services;
    }

    /// <summary>API requests get RFC 7807 problem details for every error; pages keep the HTML error page.</summary>
    public static WebApplication UseErrorResponses(this WebApplication app)
    {
        app.UseWhen(IsApi, api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages();
            api.Use((http, next) =>
            {
                // Kestrel enforces the limit while the body streams in; a declared length over it is refused up front.
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = MaxRequestBodyBytes;
                }

                if (http.Request.ContentLength > MaxRequestBodyBytes)
                {
                    throw new BadHttpRequestException($"Request bodies are limited to {MaxRequestBodyBytes / 1024} KB.", StatusCodes.Status413PayloadTooLarge);
                }

                return next(http);
            });
        });
        app.UseWhen(http => !IsApi(http), pages =>
        {
            pages.UseExceptionHandler("/error");
            pages.UseStatusCodePagesWithReExecute("/error");
        });
        return app;
    }

    /// <summary>/api/v1: bearer tokens validated locally, a scope per route, bounded bodies; the OpenAPI document beside it.</summary>
    public static WebApplication MapManagementApi(this WebApplication app)
    {
        var api = app.MapGroup(Prefix)
            .RequireAuthorization(new AuthorizationPolicyBuilder(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .Build())
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        api.MapUsersApi()
            .MapStatsApi()
            .MapConnectionsApi()
            .MapClientsApi()
            .MapAuditApi();

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        return app;
    }

    private static bool IsApi(HttpContext http) => http.Request.Path.StartsWithSegments(Prefix);

    /// <summary>
    /// Minimal APIs report a body or query value they cannot read as BadHttpRequestException; the caller gets the
    /// reason (an unknown field, a wrong type) as a problem detail instead of an empty 400.
    /// </summary>
    private sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not BadHttpRequestException bad)
            {
                return false;
            }

            http.Response.StatusCode = bad.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = bad.StatusCode,
                    Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "The request could not be read.",
                    // JsonException messages name the path and the problem, never the value.
                    Detail = bad.InnerException is System.Text.Json.JsonException json ? json.Message : bad.Message,
                },
                Exception = exception,
            });
        }
    }
}
