using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// ID tokens carry only what relying parties read. OpenIddict would store each one and put the ids of that entry and of
/// the authorization (<c>oi_tkn_id</c>, <c>oi_au_id</c>) into it; no client needs them, and an ID token is no credential
/// that could be revoked: as an <c>id_token_hint</c> at end-session it is only checked for its signature and issuer.
/// </summary>
public static class IdentityTokenEntries
{
    /// <summary>Before OpenIddict creates the token's database entry: none for an ID token.</summary>
    public static OpenIddictServerHandlerDescriptor NoEntry { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseInlineHandler(context =>
            {
                if (context.TokenType == TokenTypeIdentifiers.IdentityToken)
                {
                    context.CreateTokenEntry = false;
                    context.PersistTokenPayload = false;
                    context.IsReferenceToken = false;
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>Just before the JWT is written: the internal ids stay out of it.</summary>
    public static OpenIddictServerHandlerDescriptor NoInternalIds { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseInlineHandler(context =>
            {
                // OpenIddict writes the JWT from the descriptor its earlier handlers filled in from the principal.
                if (context.TokenType == TokenTypeIdentifiers.IdentityToken)
                {
                    string[] internalIds = [Claims.Private.TokenId, Claims.Private.AuthorizationId];
                    var descriptor = context.SecurityTokenDescriptor;
                    foreach (var claim in descriptor.Subject?.Claims.Where(claim => internalIds.Contains(claim.Type)).ToList() ?? [])
                    {
                        descriptor.Subject!.RemoveClaim(claim);
                    }

                    foreach (var type in internalIds)
                    {
                        descriptor.Claims?.Remove(type);
                    }
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Protection.GenerateIdentityModelToken.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();
}
