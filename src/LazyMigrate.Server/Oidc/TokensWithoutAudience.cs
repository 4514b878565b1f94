using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Access tokens issued before tokens named their audience carry no <c>aud</c> at all. OpenIddict refuses them like
/// any token for someone else ("doesn't contain any audience"), which tells an operator nothing about what to do; this
/// says it: the token predates the upgrade and a new one (a client-credentials grant) works. A token for another
/// audience is still refused by OpenIddict's own check.
/// </summary>
public static class TokensWithoutAudience
{
    public const string Description =
        "This access token was issued before this server's tokens named their audience (it has no 'aud'). Request a new access token and retry.";

    /// <summary>Just before OpenIddict's own audience check, on a token whose signature and lifetime were already checked.</summary>
    public static OpenIddictValidationHandlerDescriptor MustBeRenewed { get; } =
        OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseInlineHandler(context =>
            {
                if (context.Principal is { } principal && principal.GetAudiences().IsDefaultOrEmpty)
                {
                    context.Reject(Errors.InvalidToken, Description);
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictValidationHandlers.Protection.ValidateAudiences.Descriptor.Order - 1)
            .SetType(OpenIddictValidationHandlerType.Custom)
            .Build();
}
