using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Access tokens of client-credentials grants without a token row, unless <c>LazyMigrate:StoreClientCredentialsTokens</c>
/// is true. A row per grant is the only database write on the hottest path of a machine client; the token is a signed
/// (and encrypted) JWT that the management API and introspection validate without it. What the row buys is revoking
/// one such token before it expires: without it, /connect/revoke answers unsupported_token_type for it, and it ends
/// when it expires (an hour) or when its client is removed (<see cref="TokensOfRemovedClients"/>), which is how the
/// major providers treat machine tokens too. Tokens of users (codes, refresh and access tokens) always keep their rows:
/// refresh rotation, reuse detection and revoking a user's chain need them.
/// </summary>
public static class ClientCredentialsTokens
{
    public static readonly OpenIddictServerHandlerDescriptor WithoutRow = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
        .UseSingletonHandler<SkipRow>()
        // Before OpenIddict's own handler creates the row.
        .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 500)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    private sealed class SkipRow(IOptionsMonitor<OidcOptions> options) : IOpenIddictServerHandler<GenerateTokenContext>
    {
        public ValueTask HandleAsync(GenerateTokenContext context)
        {
            if (!options.CurrentValue.StoreClientCredentialsTokens
                // Named by its token type identifier in OpenIddict 7, by its hint before.
                && context.TokenType is OpenIddictConstants.TokenTypeIdentifiers.AccessToken or OpenIddictConstants.TokenTypeHints.AccessToken
                && !context.PersistTokenPayload
                && context.Request?.IsClientCredentialsGrantType() == true)
            {
                context.CreateTokenEntry = false;
            }

            return default;
        }
    }
}
