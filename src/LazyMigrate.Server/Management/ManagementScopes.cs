using Microsoft.AspNetCore.Http.HttpResults;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Management;

/// <summary>The scopes of the management API. A machine client is granted only the ones its automation needs.</summary>
public static class ManagementScopes
{
    public const string ReadUsers = "read:users";
    public const string CreateUsers = "create:users";
    public const string UpdateUsers = "update:users";
    public const string DeleteUsers = "delete:users";
    public const string ReadConnections = "read:connections";
    public const string UpdateConnections = "update:connections";
    public const string ReadStats = "read:stats";
    public const string ReadClients = "read:clients";
    public const string UpdateClients = "update:clients";
    public const string ReadLogs = "read:logs";
    public const string ImportUsers = "import:users";
    public const string ExportUsers = "export:users";

    public static readonly IReadOnlyDictionary<string, string> All = new Dictionary<string, string>
    {
        [ReadUsers] = "List, search and read users",
        [CreateUsers] = "Create users",
        [UpdateUsers] = "Change profiles, emails and blocking",
        [DeleteUsers] = "Delete users",
        [ReadConnections] = "Read legacy connections and their scripts",
        [UpdateConnections] = "Change connections, save, roll back and try scripts",
        [ReadStats] = "Read migration progress",
        [ReadClients] = "Read OIDC clients",
        [UpdateClients] = "Create, change and delete OIDC clients, rotate their secrets",
        [ReadLogs] = "Read the audit log",
        [ImportUsers] = "Import users in bulk, and read and steer import jobs",
        [ExportUsers] = "Export every user with their hashes, and read and steer export jobs",
    };

    /// <summary>
    /// Requires one of <paramref name="scopes"/> (alternatives, each enough); the handler checks the one its resource
    /// needs (an import job needs import:users, an export job export:users). Recorded for the OpenAPI document.
    /// </summary>
    public static TBuilder RequireAnyScope<TBuilder>(this TBuilder builder, params string[] scopes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AlternativeScopes(scopes)).AddEndpointFilter(async (context, next) =>
            scopes.Any(context.HttpContext.User.HasScope) ? await next(context) : MissingScope(context.HttpContext, scopes[0], scopes));

    /// <summary>The 403 of a token without <paramref name="scope"/> (naming the alternatives when there are several).</summary>
    public static ProblemHttpResult MissingScope(HttpContext http, string scope, params string[] alternatives)
    {
        // RFC 6750 §3.1: the challenge names the scope, and so does the problem detail for people reading the body.
        http.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Missing scope",
            detail: alternatives.Length > 1
                ? $"The access token lacks the scope '{scope}' (or {string.Join(", ", alternatives.Skip(1).Select(a => $"'{a}'"))}) this operation requires."
                : $"The access token lacks the scope '{scope}' this operation requires.",
            extensions: new Dictionary<string, object?> { ["requiredScope"] = scope });
    }

    /// <summary>Requires <paramref name="scope"/> in the caller's access token; records it for the OpenAPI document.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope)).AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.User.HasScope(scope))
            {
                return await next(context);
            }

            return MissingScope(context.HttpContext, scope);
        });
}

/// <summary>Endpoint metadata: the scope an operation requires.</summary>
public sealed record RequiredScope(string Scope);

/// <summary>Endpoint metadata: scopes any one of which lets the caller in (the resource decides which it needs).</summary>
public sealed record AlternativeScopes(IReadOnlyList<string> Scopes);
