using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using ServerEvents = OpenIddict.Server.OpenIddictServerEvents;
using ServerHandlers = OpenIddict.Server.OpenIddictServerHandlers;
using ValidationEvents = OpenIddict.Validation.OpenIddictValidationEvents;
using ValidationHandlers = OpenIddict.Validation.OpenIddictValidationHandlers;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// An access token of a client that has been removed is refused, by the management API and by introspection, at once
/// rather than when it expires; so is a machine token of a removed client re-created under the same client id (the
/// token names the client's row in <see cref="ApplicationIdClaim"/>). For a machine client's tokens, which have no row
/// by default (see <see cref="ClientCredentialsTokens"/>) and so cannot be revoked one by one, removing the client is
/// how an administrator ends them all, for example after its secret leaked. The lookup is the client cache's
/// (<see cref="OidcEntityCache"/>): no database read for a client a listening node has read, and a removal reaches
/// every node through its notification; a client that is not found is not cached, so each token of a removed client
/// costs one keyed read until it expires.
/// </summary>
public static class TokensOfRemovedClients
{
    public const string Description = "The client this access token was issued to no longer exists.";

    /// <summary>The database id of the client a machine token was issued to, carried in the access token (encrypted, so the client cannot read it).</summary>
    public const string ApplicationIdClaim = "lm_app";

    /// <summary>The management API's local validation, after OpenIddict's own checks of the token and its row.</summary>
    public static OpenIddict.Validation.OpenIddictValidationHandlerDescriptor AtTheApi { get; } =
        OpenIddict.Validation.OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidationEvents.ValidateTokenContext>()
            .UseScopedHandler<Handler>()
            .SetOrder(ValidationHandlers.Protection.ValidateTokenEntry.Descriptor.Order + 1_000)
            .SetType(OpenIddict.Validation.OpenIddictValidationHandlerType.Custom)
            .Build();

    /// <summary>The server's validation of an access token (introspection, userinfo), after its own checks.</summary>
    public static OpenIddict.Server.OpenIddictServerHandlerDescriptor AtTheServer { get; } =
        OpenIddict.Server.OpenIddictServerHandlerDescriptor.CreateBuilder<ServerEvents.ValidateTokenContext>()
            .UseScopedHandler<Handler>()
            .SetOrder(ServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order + 1_000)
            .SetType(OpenIddict.Server.OpenIddictServerHandlerType.Custom)
            .Build();

    private static async ValueTask<bool> ClientIsGoneAsync(IOpenIddictApplicationManager applications, System.Security.Claims.ClaimsPrincipal? principal)
    {
        if (principal is null || principal.GetTokenType() is not TokenTypeIdentifiers.AccessToken)
        {
            return false;
        }

        var clientId = principal.GetClaim(Claims.ClientId) ?? principal.GetPresenters().FirstOrDefault();
        if (clientId is null)
        {
            return false;
        }

        var application = await applications.FindByClientIdAsync(clientId);
        return application is null
            || (principal.GetClaim(ApplicationIdClaim) is { } issuedTo && issuedTo != await applications.GetIdAsync(application));
    }

    /// <summary>One handler for both pipelines: the same check on the principal either validated.</summary>
    private sealed class Handler(IOpenIddictApplicationManager applications)
        : OpenIddict.Validation.IOpenIddictValidationHandler<ValidationEvents.ValidateTokenContext>,
          OpenIddict.Server.IOpenIddictServerHandler<ServerEvents.ValidateTokenContext>
    {
        public async ValueTask HandleAsync(ValidationEvents.ValidateTokenContext context)
        {
            if (await ClientIsGoneAsync(applications, context.Principal))
            {
                context.Reject(Errors.InvalidToken, Description);
            }
        }

        public async ValueTask HandleAsync(ServerEvents.ValidateTokenContext context)
        {
            if (await ClientIsGoneAsync(applications, context.Principal))
            {
                context.Reject(Errors.InvalidToken, Description);
            }
        }
    }
}
