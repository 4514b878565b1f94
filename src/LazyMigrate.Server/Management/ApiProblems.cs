using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LazyMigrate.Server.Management;

/// <summary>The few RFC 7807 answers every management resource gives, worded once, and the other small shared pieces.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"{what} does not exist.");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static ProblemHttpResult Stale(HttpContext http, string currentETag)
    {
        http.Response.Headers.ETag = currentETag;
        return TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed, title: "Changed by someone else",
            detail: "If-Match does not match the current version. Read it again, re-apply your change and retry.",
            extensions: new Dictionary<string, object?> { ["currentETag"] = currentETag });
    }

    public static ProblemHttpResult PreconditionRequired() =>
        TypedResults.Problem(statusCode: StatusCodes.Status428PreconditionRequired, title: "If-Match required",
            detail: "Send the ETag you last read in If-Match (or '*' to overwrite whatever is there).");

    public static ProblemHttpResult LegacyUnavailable() =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Legacy system unavailable",
            detail: "A legacy system could not say whether it knows this address, so nothing was changed. Try again later.");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, title: "The request is not valid.");

    public static ValidationProblem Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>This request's URL with <paramref name="key"/> set to <paramref name="value"/>: the link to the next page.</summary>
    public static string NextLink(HttpRequest request, string key, string value) =>
        $"{request.PathBase}{request.Path}" + QueryString.Create(request.Query
            .Where(q => q.Key != key)
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new(key, value)));

    /// <summary>Who is calling, for the audit trail: the machine client the token was issued to.</summary>
    public static string Actor(ClaimsPrincipal user) =>
        "client:" + (user.GetClaim(Claims.ClientId) ?? user.GetClaim(Claims.Subject) ?? "unknown");
}
