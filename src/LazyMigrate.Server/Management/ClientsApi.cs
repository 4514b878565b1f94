using LazyMigrate.Server.Oidc;
using Microsoft.AspNetCore.Http.HttpResults;
using static LazyMigrate.Server.Management.ManagementScopes;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/clients: the applications that sign users in or call this API.</summary>
public static class ClientsApi
{
    public static RouteGroupBuilder MapClientsApi(this RouteGroupBuilder api)
    {
        var clients = api.MapGroup("/clients").WithTags("Clients");
        clients.MapGet("/", ListClients).RequireScope(ReadClients).WithName("ListClients")
            .WithSummary("List clients")
            .WithDescription("Every client, those defined in configuration (read-only here) among them. Secrets are never shown.");
        clients.MapGet("/{clientId}", GetClient).RequireScope(ReadClients).WithName("GetClient")
            .WithSummary("Get a client")
            .WithDescription("Type, redirect URIs, scopes, the scopes of the API it runs, consent, whether its users need a second factor " +
                "(requireMfa), and whether configuration defines it.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        clients.MapPost("/", CreateClient).RequireScope(UpdateClients).WithName("CreateClient")
            .WithSummary("Create a client")
            .WithDescription("A public client (browser or native app: code flow with PKCE, needs a redirect URI) or a confidential one, " +
                "whose generated secret is in this response only; it is stored hashed. 409 when the client id is taken.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        clients.MapPut("/{clientId}", UpdateClient).RequireScope(UpdateClients).WithName("UpdateClient")
            .WithSummary("Change a client")
            .WithDescription("Display name, redirect URIs, scopes, API scopes, consent or requireMfa (a second factor for its users, from the " +
                "next authorization on every node); absent fields stay as they are. A client " +
                "defined in configuration is read-only here (409): the next start would undo the change.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        clients.MapDelete("/{clientId}", DeleteClient).RequireScope(UpdateClients).WithName("DeleteClient")
            .WithSummary("Delete a client")
            .WithDescription("Deletes the client with its authorizations and tokens. 409 for a client defined in configuration.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        clients.MapPost("/{clientId}/rotate-secret", RotateSecret).RequireScope(UpdateClients).WithName("RotateClientSecret")
            .WithSummary("Rotate a client's secret")
            .WithDescription("Replaces a confidential client's secret; the old one stops working at once and the new one is in this " +
                "response only. 409 for a public client or one defined in configuration.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    public static async Task<Ok<IReadOnlyList<ClientView>>> ListClients(ClientAdministration clients, CancellationToken cancellationToken) =>
        TypedResults.Ok(await clients.ListAsync(cancellationToken));

    public static async Task<Results<Ok<ClientView>, ProblemHttpResult>> GetClient(string clientId, ClientAdministration clients, CancellationToken cancellationToken) =>
        await clients.GetAsync(clientId, cancellationToken) is { } client ? TypedResults.Ok(client) : ApiProblems.NotFound("The client");

    /// <summary>Creates a client. A confidential client's secret is in the response, once; only its hash is stored.</summary>
    public static async Task<Results<Created<ClientWithSecret>, ValidationProblem, ProblemHttpResult>> CreateClient(
        ClientChange body, HttpContext http, ClientAdministration clients, CancellationToken cancellationToken) =>
        await clients.CreateAsync(body, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ClientResult.Done done => TypedResults.Created($"/api/v1/clients/{done.Client.ClientId}", new ClientWithSecret(done.Client, done.Secret)),
            ClientResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            var other => Problem(other),
        };

    /// <summary>Changes display name, redirect URIs, scopes, consent or RequireMfa; absent fields stay as they are.</summary>
    public static async Task<Results<Ok<ClientView>, ValidationProblem, ProblemHttpResult>> UpdateClient(
        string clientId, ClientChange body, HttpContext http, ClientAdministration clients, CancellationToken cancellationToken) =>
        await clients.UpdateAsync(clientId, body, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ClientResult.Done done => TypedResults.Ok(done.Client),
            ClientResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            var other => Problem(other),
        };

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteClient(
        string clientId, HttpContext http, ClientAdministration clients, CancellationToken cancellationToken) =>
        await clients.DeleteAsync(clientId, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ClientResult.Done => TypedResults.NoContent(),
            ClientResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            var other => Problem(other),
        };

    /// <summary>Replaces the secret; the old one stops working at once. The new one is in the response, once.</summary>
    public static async Task<Results<Ok<ClientWithSecret>, ValidationProblem, ProblemHttpResult>> RotateSecret(
        string clientId, HttpContext http, ClientAdministration clients, CancellationToken cancellationToken) =>
        await clients.RotateSecretAsync(clientId, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ClientResult.Done done => TypedResults.Ok(new ClientWithSecret(done.Client, done.Secret)),
            ClientResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            var other => Problem(other),
        };

    private static ProblemHttpResult Problem(ClientResult result) => result switch
    {
        ClientResult.NotFound => ApiProblems.NotFound("The client"),
        ClientResult.Conflict conflict => ApiProblems.Conflict(conflict.Detail),
        _ => throw new InvalidOperationException("Unexpected result."),
    };
}

/// <summary>A client and, right after creation or rotation, its secret: shown this once.</summary>
public sealed record ClientWithSecret(ClientView Client, string? ClientSecret);
