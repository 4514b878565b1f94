using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authorization;
using OpenIddict.Validation.AspNetCore;

namespace LazyMigrate.Server.Management;

public static class ManagementExtensions
{
    public const string Prefix = "/api/v1";

    /// <summary>The management API as a resource: the <c>aud</c> of every access token granted a management scope.</summary>
    public const string Audience = "management-api";

    /// <summary>The management API's plumbing: strict JSON and the OpenAPI document. Its services come from their features.</summary>
    public static IServiceCollection AddManagement(this IServiceCollection services)
    {
        services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(options =>
        {
            // A misspelt field would otherwise be ignored and the change silently not made.
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            // Enums by name only: a number is not a state, and 7 would slip past every check a name goes through
            // (the disconnect confirmation among them).
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        });

        services.AddOpenApi("v1", options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer<ManagementOpenApi>();
            options.AddOperationTransformer<ManagementOpenApi>();
            options.AddSchemaTransformer<ManagementOpenApi>();
        });
        return services;
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
            .MapMfaApi()
            .MapStatsApi()
            .MapConnectionsApi()
            .MapClientsApi()
            .MapAuditApi()
            .MapJobsApi()
            .MapExportsApi();

        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        return app;
    }
}
