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
        [ExportUsers] = "Export every user with their password hashes",
    };

    /// <summary>Requires <paramref name="scope"/> in the caller's access token; records it for the OpenAPI document.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope)).AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.User.HasScope(scope))
            {
                return await next(context);
            }

            // RFC 6750 §3.1: the challenge names the scope, and so does the problem detail for people reading the body.
            context.HttpContext.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{scope}\"";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Missing scope",
                detail: $"The access token lacks the scope '{scope}' this operation requires.",
                extensions: new Dictionary<string, object?> { ["requiredScope"] = scope });
        });
}

/// <summary>Endpoint metadata: the scope an operation requires.</summary>
public sealed record RequiredScope(string Scope);
