using LazyMigrate.Server.Management;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Hosting;

/// <summary>How errors reach the caller, site-wide: RFC 7807 problem details for the API, the HTML error page for pages.</summary>
public static partial class ErrorResponses
{
    /// <summary>Request bodies above this are refused with 413 (the largest legitimate one is a 256 KB script).</summary>
    public const long MaxRequestBodyBytes = 512 * 1024;

    /// <summary>Problem details, and the handler that turns unreadable requests into them.</summary>
    public static IServiceCollection AddErrorResponses(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
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
                // The bulk import's upload streams gigabytes into the database; its endpoint sets its own limit.
                if (IsStreamedUpload(http))
                {
                    return next(http);
                }

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

    /// <summary>The one request whose body is not held to <see cref="MaxRequestBodyBytes"/> nor read before its endpoint: a bulk import's file.</summary>
    public static bool IsStreamedUpload(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals(JobsApi.UsersImportsPath, StringComparison.OrdinalIgnoreCase)
        && http.Request.HasFormContentType;

    /// <summary>True for management API requests, which get problem details; everything else is a page.</summary>
    public static bool WantsProblemDetails(HttpContext http) => http.Request.Path.StartsWithSegments(ManagementExtensions.Prefix);

    /// <summary>
    /// The reason in the caller's terms: field names as the caller wrote them, never the .NET types behind them
    /// (System.Text.Json and parameter binding both name types in their messages).
    /// </summary>
    private static (string Detail, Dictionary<string, string[]>? Errors) Describe(BadHttpRequestException bad)
    {
        if (bad.InnerException is System.Text.Json.JsonException json)
        {
            var field = json.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body";
            if (UnmappedMember().Match(json.Message) is { Success: true } unmapped)
            {
                var name = unmapped.Groups["name"].Value;
                return ($"Unknown field '{name}'.", new() { [field.Length == 0 ? name : field] = ["Unknown field."] });
            }

            if (json.Path is null)
            {
                return ("The body is not valid JSON.", null);
            }

            // An enum field says which names it takes (numbers are refused, see AddManagement).
            var names = EnumNames(json.Message);
            return names is null
                ? ($"The value of '{field}' is not valid.", new() { [field] = ["Not a valid value of this field."] })
                : ($"The value of '{field}' must be one of {names}.", new() { [field] = [$"Must be one of {names}."] });
        }

        if (BindingFailure().Match(bad.Message) is { Success: true } binding)
        {
            var name = binding.Groups["name"].Value;
            var camel = name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
            return binding.Groups["required"].Success
                ? ($"'{camel}' is required.", new() { [camel] = ["Required."] })
                : ($"The value of '{camel}' is not valid.", new() { [camel] = ["Not a valid value of this field."] });
        }

        return bad.StatusCode == StatusCodes.Status413PayloadTooLarge || bad.InnerException is null && !bad.Message.Contains('"', StringComparison.Ordinal)
            ? (bad.Message, null)
            : ("The request could not be read.", null);
    }

    /// <summary>The names an enum of ours takes, when <paramref name="message"/> says a value could not become one.</summary>
    private static string? EnumNames(string message)
    {
        var type = ConversionTarget().Match(message) is { Success: true } target
            ? typeof(ErrorResponses).Assembly.GetType(target.Groups["type"].Value.TrimEnd('?'))
            : null;
        return type is { IsEnum: true } ? string.Join(", ", Enum.GetNames(type).Select(name => $"'{name}'")) : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex("could not be converted to (?:System\\.Nullable`1\\[)?(?<type>[\\w.+]{1,300})")]
    private static partial System.Text.RegularExpressions.Regex ConversionTarget();

    [System.Text.RegularExpressions.GeneratedRegex("^The JSON property '(?<name>[^']{0,200})' could not be mapped")]
    private static partial System.Text.RegularExpressions.Regex UnmappedMember();

    // 'Failed to bind parameter "DateTimeOffset? CreatedFrom" from "x".' and 'Required parameter "string email" was not provided...'
    [System.Text.RegularExpressions.GeneratedRegex("^(?:Failed to bind|(?<required>Required)) parameter \"(?:[^\"]* )?(?<name>\\w+)\"")]
    private static partial System.Text.RegularExpressions.Regex BindingFailure();

    /// <summary>
    /// Our own PostgreSQL down or unreachable: 503, "try again later", never a generic 500. The API gets a problem
    /// detail here; pages get the error page, which says the same (Pages/Error).
    /// </summary>
    private sealed class DatabaseUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
        {
            if (!DatabaseOutage.IsOutage(exception) || !WantsProblemDetails(http))
            {
                return false;
            }

            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = "10";
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "Service unavailable",
                    Detail = "The service cannot reach its database right now. Try again later.",
                },
                Exception = exception,
            });
        }
    }

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

            var (detail, errors) = Describe(bad);
            http.Response.StatusCode = bad.StatusCode;
            var problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
            problem.Status = bad.StatusCode;
            problem.Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "The request could not be read.";
            problem.Detail = detail;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = problem,
                Exception = exception,
            });
        }
    }
}
