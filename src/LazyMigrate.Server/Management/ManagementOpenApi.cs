using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Users;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace LazyMigrate.Server.Management;

/// <summary>
/// Describes how to call the API in the OpenAPI document: an OAuth 2.0 client-credentials scheme at our token endpoint
/// with every management scope, on each operation the one scope it requires, the answers the pipeline gives every
/// route (problem details for unreadable, oversized or unsupported requests and an unreachable database), and the
/// ETag and If-Match headers of the resources that carry versions. The document passes Redocly's and Spectral's
/// OpenAPI rulesets (tests/…/Management/OpenApiLintTests).
/// </summary>
internal sealed class ManagementOpenApi(IOptions<OidcOptions> connect) : IOpenApiDocumentTransformer, IOpenApiOperationTransformer, IOpenApiSchemaTransformer
{
    private const string Scheme = "oauth2";

    private static readonly Dictionary<string, string> Tags = new(StringComparer.Ordinal)
    {
        ["Users"] = "The user directory: search, read, create, change, block and delete users, and unlink legacy identities.",
        ["Stats"] = "How far the migration has come.",
        ["Connections"] = "Legacy connections: settings, secrets (write-only), limits, order and lifecycle.",
        ["Scripts"] = "A connection's versioned scripts (login, getUser, countUsers, listUsers): read, save, roll back, try.",
        ["Clients"] = "The OpenID Connect clients that sign users in, call this API or run an API of their own.",
        ["Audit"] = "The audit trail, newest first.",
        ["Jobs"] = "Bulk import and export jobs: start, follow, pause, resume, cancel, read refused rows and files.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "LazyMigrate management API";
        document.Info.Description = "Users, migration progress, legacy connections and scripts, clients, jobs and the audit log. " +
            "Call with an access token from the client-credentials grant; each operation needs one scope. Errors are RFC 7807 problem details.";

        // The public base URL, not the address this request happened to reach; paths start with /api/v1, so no trailing slash.
        document.Servers = [new OpenApiServer { Url = connect.Value.IssuerUri.AbsoluteUri.TrimEnd('/'), Description = "This server" }];

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

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && Tags.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }

        // A page's items are users, trimmed to the named properties when the request says fields=…; the handler builds
        // them as plain objects for that reason, so the generator alone cannot know their schema.
        if (document.Components.Schemas is { } schemas && schemas.TryGetValue(nameof(UserListResponse), out var list)
            && schemas.ContainsKey(nameof(UserView)) && list.Properties?.TryGetValue("items", out var items) == true && items is OpenApiSchema array)
        {
            array.Items = new OpenApiSchemaReference(nameof(UserView), document);
            array.Description = "Users in the requested order; with fields=…, each has only the named properties.";
        }

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

        // What the pipeline answers on any route before or around its handler (Hosting/ErrorResponses, NulCharacterGuard).
        operation.Responses ??= [];
        AddProblem(operation, context, StatusCodes.Status400BadRequest, "The request is not valid: errors names each field.", "HttpValidationProblemDetails");
        AddProblem(operation, context, StatusCodes.Status413PayloadTooLarge, "The request body is larger than the API takes.");
        if (operation.RequestBody is not null)
        {
            AddProblem(operation, context, StatusCodes.Status415UnsupportedMediaType, "The body is not of a media type this operation takes.");
        }

        AddProblem(operation, context, StatusCodes.Status503ServiceUnavailable, "The server's database, or a legacy system it had to ask, cannot be reached. Try again later.");

        if (metadata.OfType<CarriesETag>().Any())
        {
            foreach (var (status, response) in operation.Responses)
            {
                if (status is "200" or "201" or "412" && response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers["ETag"] = new OpenApiHeader
                    {
                        Description = status == "412" ? "The current version's ETag." : "The version just read or written; send it back in If-Match to change it.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    };
                }
            }
        }

        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter { In: ParameterLocation.Header, Name: "If-Match" } ifMatch)
            {
                ifMatch.Description = "The ETag you last read (or * to overwrite whatever is there). A stale one gets 412; where a version exists, none gets 428.";
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Numbers as numbers. The API's JSON options read numbers written as strings too (the web defaults), which the
    /// generator documents as "integer or string with a digit pattern"; answers always write plain numbers.
    /// </summary>
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String)
            && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }

    private static void AddProblem(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description,
        string schema = "ProblemDetails")
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
        {
            return;
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(schema, context.Document) },
            },
        };
    }
}

/// <summary>Endpoint metadata: the answer carries the resource's ETag (and a stale If-Match gets it back with 412).</summary>
public sealed record CarriesETag;

public static class ManagementOpenApiExtensions
{
    /// <summary>Documents the ETag header of this operation's answers.</summary>
    public static RouteHandlerBuilder WithETag(this RouteHandlerBuilder builder) => builder.WithMetadata(new CarriesETag());
}
