using LazyMigrate.Server.Oidc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace LazyMigrate.Server.Management;

/// <summary>
/// Describes how to call the API in the OpenAPI document: an OAuth 2.0 client-credentials scheme at our token endpoint
/// with every management scope, and on each operation the one scope it requires.
/// </summary>
internal sealed class ManagementOpenApi(IOptions<OidcOptions> connect) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    private const string Scheme = "oauth2";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "LazyMigrate management API";
        document.Info.Description = "Users, migration progress, legacy connections and scripts, clients and the audit log. " +
            "Call with an access token from the client-credentials grant; each operation needs one scope.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.OAuth2,
            Description = "Access tokens from this server's token endpoint (client_credentials).",
            Flows = new OpenApiOAuthFlows
            {
                ClientCredentials = new OpenApiOAuthFlow
                {
                    TokenUrl = new Uri(connect.Value.IssuerUri, "connect/token"),
                    Scopes = ManagementScopes.All.ToDictionary(),
                },
            },
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var scopes = metadata.OfType<RequiredScope>().LastOrDefault() is { } scope ? [scope.Scope]
            : metadata.OfType<AlternativeScopes>().LastOrDefault()?.Scopes ?? [];
        foreach (var alternative in scopes)
        {
            // One requirement per alternative: OpenAPI reads several requirements as "any of these".
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(Scheme, context.Document)] = [alternative],
            });
        }

        return Task.CompletedTask;
    }
}
