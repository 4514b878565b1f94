using LazyMigrate.Server.Management;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Hosting;

/// <summary>How errors reach the caller, site-wide: RFC 7807 problem details for the API, the HTML error page for pages.</summary>
public static class ErrorResponses
{
    /// <summary>Request bodies above this are refused with 413 (the largest legitimate one is a 256 KB script).</summary>
    public const long MaxRequestBodyBytes = 512 * 1024;

    /// <summary>Problem details, and the handler that turns unreadable requests into them.</summary>
    public static IServiceCollection AddErrorResponses(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestHandler>();

        // Malformed bodies and query strings become exceptions the handler above turns into problem details.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>API requests get RFC 7807 problem details for every error; pages keep the HTML error page.</summary>
    public static WebApplication UseErrorResponses(this WebApplication app)
    {
        app.UseWhen(WantsProblemDetails, api =>
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
        app.UseWhen(http => !WantsProblemDetails(http), pages =>
        {
            pages.UseExceptionHandler("/error");
            pages.UseStatusCodePagesWithReExecute("/error");
        });
        return app;
    }

    /// <summary>True for management API requests, which get problem details; everything else is a page.</summary>
    public static bool WantsProblemDetails(HttpContext http) => http.Request.Path.StartsWithSegments(ManagementExtensions.Prefix);

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
