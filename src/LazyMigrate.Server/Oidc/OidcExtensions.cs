using LazyMigrate.Server.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LazyMigrate.Server.Oidc;

public static class OidcExtensions
{
    /// <summary>OpenIddict server (and local token validation), keys from the database, clients from configuration and their administration.</summary>
    public static IServiceCollection AddOidc(this IServiceCollection services)
    {
        services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>();

        services.AddOpenIddict()
            // Applications, authorizations, scopes and tokens live in our DbContext.
            .AddCore(options =>
            {
                options.UseEntityFrameworkCore().UseDbContext<LazyMigrateDbContext>();

                // Client secrets verified once a minute, not on every token request (VerifiedClientSecrets says why it
                // is safe); clients and scopes read once until one changes, on any node (OidcEntityCache).
                options.ReplaceApplicationManager(typeof(CachingApplicationManager<>));
                options.ReplaceScopeManager(typeof(CachingScopeManager<>));
            })
            .AddServer(options =>
            {
                // Discovery (/.well-known/openid-configuration) and JWKS (/.well-known/jwks) keep their default paths.
                options.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetUserInfoEndpointUris("connect/userinfo")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetIntrospectionEndpointUris("connect/introspect")
                    .SetRevocationEndpointUris("connect/revoke");

                // Note: no implicit, hybrid or password flow. Browser apps use the code flow with PKCE like everyone else.
                options.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .AllowClientCredentialsFlow();

                // Note: PKCE for every authorization request, public and confidential clients alike, and only S256: 'plain'
                // protects nothing against an attacker who can read the authorization request.
                options.RequireProofKeyForCodeExchange();
                options.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));

                options.RegisterScopes(ClientSeeder.StandardScopes);

                // Note: claims_supported lists what ID tokens and userinfo can say about a user (TokenClaims), beside
                // the registered claims OpenIddict always lists.
                options.RegisterClaims(TokenClaims.Supported);

                // Note: ID tokens also say how, how strongly and when the person authenticated (amr, acr, auth_time);
                // acr_values asking for two factors get them (AuthenticationContext).
                options.RegisterClaims(Claims.AuthenticationMethodReference, Claims.AuthenticationContextReference, Claims.AuthenticationTime);
                options.AddEventHandler(AuthenticationContext.Discovery);

                // Note: clients authenticate with their secret only. private_key_jwt needs a key set registered per
                // client, which no client here can have, so it is neither advertised nor accepted.
                options.Configure(server => server.ClientAuthenticationMethods.Remove(ClientAuthenticationMethods.PrivateKeyJwt));

                // form_post answers (ASP.NET Core's handler asks for them) under the site's CSP; ID tokens without
                // internal ids; introspection only by a token's own client or audience, always with scope and aud.
                options.AddEventHandler(FormPostResponse.Descriptor)
                    .AddEventHandler(IdentityTokenEntries.NoEntry)
                    .AddEventHandler(IdentityTokenEntries.NoInternalIds)
                    .AddEventHandler(IntrospectionAccess.OwnClientOrAudienceOnly)
                    .AddEventHandler(IntrospectionAccess.Scopes)
                    .AddEventHandler(ClientCredentialsTokens.WithoutRow)
                    .AddEventHandler(TokensOfRemovedClients.AtTheServer);

                // Note: a NUL in a parameter (client_id=a%00b) is invalid_request here, not a database error later.
                options.RefuseNulCharactersInRequests();

                // Note: refresh tokens roll (a new one with each use) and OpenIddict revokes the whole chain when a redeemed
                // one comes back. The default 30-second grace period would accept a stolen token replayed quickly, so none.
                options.SetRefreshTokenReuseLeeway(TimeSpan.Zero);

                // Signing and encryption keys come from the database (ServerKeyOptions) and rotate on a schedule
                // (ServerKeyRotation), never from development certificates.
                options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
            })
            // Lets our own APIs accept the access tokens this server issues, with the same keys.
            .AddValidation(options =>
            {
                options.UseLocalServer();

                // Note: only tokens issued for the management API (its audience, from the management scopes) pass,
                // not any token this server issued, such as a user's for userinfo.
                options.AddAudiences(Management.ManagementExtensions.Audience);

                // Note: a token from before audiences existed (no aud) gets invalid_token saying it must be renewed.
                options.AddEventHandler(TokensWithoutAudience.MustBeRenewed);

                // Note: a token with a row (a user's, or a machine token when they are stored) is refused once it is
                // revoked, not only by introspection; tokens without one have nothing to look up. One keyed read per call.
                options.EnableTokenEntryValidation();
                options.AddEventHandler(TokensOfRemovedClients.AtTheApi);

                // Note: access tokens only in the Authorization header. In a URL they end up in logs, history and Referer.
                options.UseAspNetCore()
                    .DisableAccessTokenExtractionFromQueryString()
                    .DisableAccessTokenExtractionFromBodyForm();
            });

        services.AddOptions<ServerKeyRotationOptions>().BindConfiguration(ServerKeyRotationOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServerKeyRotationOptions>, ServerKeyRotationOptionsValidator>();
        services.AddSingleton<ServerKeyRing>();
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>>(provider => provider.GetRequiredService<ServerKeyRing>());
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddict.Validation.OpenIddictValidationOptions>>(provider => provider.GetRequiredService<ServerKeyRing>());
        services.AddSingleton<ServerKeyOptions>();
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(provider => provider.GetRequiredService<ServerKeyOptions>());
        // Registered after AddServer, so it runs after OpenIddict's own post-configuration (which sorts the keys).
        services.AddSingleton<IPostConfigureOptions<OpenIddictServerOptions>>(provider => provider.GetRequiredService<ServerKeyOptions>());
        services.AddHostedService<ServerKeyRotation>();
        services.AddOptions<OpenIddictServerOptions>()
            .Configure<IOptions<OidcOptions>>((server, connect) =>
            {
                server.Issuer = connect.Value.PublishedIssuer;

                // Note: refresh tokens issued while the issuer was published with an added trailing slash carry that
                // spelling; both name this server, so both stay valid.
                server.TokenValidationParameters.ValidIssuers =
                    [.. new[] { connect.Value.PublishedIssuer.AbsoluteUri, connect.Value.IssuerUri.AbsoluteUri }.Distinct(StringComparer.Ordinal)];
            });

        // Note: plain HTTP only when LazyMigrate:AllowHttp says so (local runs, tests, TLS terminated by a proxy).
        services.AddOptions<OpenIddictServerAspNetCoreOptions>()
            .Configure<IOptions<OidcOptions>>((aspNet, connect) => aspNet.DisableTransportSecurityRequirement = connect.Value.AllowHttp);

        services.AddSingleton<VerifiedClientSecrets>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OidcEntityCache>();
        services.AddHostedService<OidcEntityChangeListener>();
        services.AddScoped<IDatabaseSeeder, ServerKeyGenerator>();
        services.AddScoped<IDatabaseSeeder, ApiScopeSeeder>();
        services.AddScoped<IDatabaseSeeder, ClientSeeder>();
        services.AddHostedService<TokenPruning>();
        services.AddScoped<ClientAdministration>();
        services.AddAuthenticationContext();
        return services;
    }
}
