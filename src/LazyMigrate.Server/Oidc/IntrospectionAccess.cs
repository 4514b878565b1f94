using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Who may introspect a token, and what they learn. OpenIddict lets any authenticated client introspect a token that
/// names no audience or no presenter; here only the token's own client (its presenter) or one of its audiences (the
/// resource servers it was issued for) may, always. Anyone else learns <c>active: false</c>, as for a dead token, so an
/// unrelated client cannot even tell that the token exists.
/// </summary>
public static class IntrospectionAccess
{
    /// <summary>After OpenIddict's own audience/presenter check, which this one makes strict.</summary>
    public static OpenIddictServerHandlerDescriptor OwnClientOrAudienceOnly { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateIntrospectionRequestContext>()
            .UseInlineHandler(context =>
            {
                var principal = context.GenericTokenPrincipal;
                var caller = context.ClientId;
                if (principal is null || string.IsNullOrEmpty(caller) || !(principal.HasPresenter(caller) || principal.HasAudience(caller)))
                {
                    context.Reject(Errors.InvalidToken, "The token cannot be introspected by this client.");
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Introspection.ValidateAuthorizedParty.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    /// <summary>
    /// The granted scopes in every answer. OpenIddict gives them only to audiences; the token's own client, the only
    /// other caller admitted, was granted them and may know them.
    /// </summary>
    public static OpenIddictServerHandlerDescriptor Scopes { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleIntrospectionRequestContext>()
            .UseInlineHandler(context =>
            {
                if (context.GenericTokenPrincipal is { } principal)
                {
                    context.Scopes.UnionWith(principal.GetScopes());
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Introspection.AttachApplicationClaims.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();
}
