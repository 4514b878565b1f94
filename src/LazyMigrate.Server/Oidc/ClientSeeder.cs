using LazyMigrate.Server.Data;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Makes the OpenIddict applications match <c>LazyMigrate:Clients</c> on every start: missing clients are created,
/// changed ones updated. OpenIddict stores secrets hashed; a secret that still verifies is left alone (no needless re-hash).
/// Clients removed from configuration are kept, because they may have been created through the management API.
/// </summary>
public sealed class ClientSeeder(
    IOpenIddictApplicationManager applications,
    IOpenIddictScopeManager scopes,
    IOptions<OidcOptions> options,
    ILogger<ClientSeeder> logger) : IDatabaseSeeder
{
    /// <summary>Scopes OpenIddict knows without a scope entity (registered on the server).</summary>
    public static readonly string[] StandardScopes = [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Phone, Scopes.OfflineAccess];

    private static readonly string[] DefaultInteractiveScopes = StandardScopes;

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        foreach (var client in options.Value.Clients)
        {
            foreach (var scope in ScopesOf(client).Except(StandardScopes, StringComparer.Ordinal))
            {
                if (await scopes.FindByNameAsync(scope, cancellationToken) is null)
                {
                    await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = scope, DisplayName = scope }, cancellationToken);
                }
            }

            var clientId = client.ClientId!;
            var existing = await applications.FindByClientIdAsync(clientId, cancellationToken);
            var descriptor = new OpenIddictApplicationDescriptor();
            if (existing is null)
            {
                Describe(client, descriptor);
                await applications.CreateAsync(descriptor, cancellationToken);
                logger.LogInformation("Created client {ClientId}", clientId);
                continue;
            }

            await applications.PopulateAsync(descriptor, existing, cancellationToken);
            var storedHash = descriptor.ClientSecret;
            var secretUnchanged = client.IsConfidential
                && await applications.HasClientTypeAsync(existing, ClientTypes.Confidential, cancellationToken)
                && await applications.ValidateClientSecretAsync(existing, client.ClientSecret!, cancellationToken);
            Describe(client, descriptor);
            if (secretUnchanged)
            {
                // Handing back the stored hash leaves it untouched; the plain secret would be hashed (and written) again.
                descriptor.ClientSecret = storedHash;
            }

            await applications.UpdateAsync(existing, descriptor, cancellationToken);
        }
    }

    internal static IEnumerable<string> ScopesOf(ClientDefinition client) =>
        client.Scopes.Count > 0 ? client.Scopes : client.IsInteractive ? DefaultInteractiveScopes : [];

    internal static void Describe(ClientDefinition client, OpenIddictApplicationDescriptor descriptor)
    {
        descriptor.ClientId = client.ClientId;
        descriptor.ClientSecret = client.ClientSecret;
        descriptor.ClientType = client.IsConfidential ? ClientTypes.Confidential : ClientTypes.Public;
        descriptor.ConsentType = client.RequireConsent ? ConsentTypes.Explicit : ConsentTypes.Implicit;
        descriptor.DisplayName = client.DisplayName ?? client.ClientId;
        Mfa.ClientMfaPolicy.Describe(descriptor, client.RequireMfa);

        descriptor.RedirectUris.Clear();
        descriptor.RedirectUris.UnionWith(client.RedirectUris);
        descriptor.PostLogoutRedirectUris.Clear();
        descriptor.PostLogoutRedirectUris.UnionWith(client.PostLogoutRedirectUris);

        descriptor.Permissions.Clear();
        descriptor.Permissions.Add(Permissions.Endpoints.Token);
        descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        if (client.IsInteractive)
        {
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.EndSession,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
            ]);
        }

        if (client.IsConfidential)
        {
            // Only a client that can authenticate may introspect or obtain tokens of its own.
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Introspection, Permissions.GrantTypes.ClientCredentials]);
        }

        foreach (var scope in ScopesOf(client).Where(s => s != Scopes.OpenId && s != Scopes.OfflineAccess))
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        // PKCE is already required server-wide; recording it on the client keeps that true if the server default changes.
        descriptor.Requirements.Clear();
        if (client.IsInteractive)
        {
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }
    }
}
