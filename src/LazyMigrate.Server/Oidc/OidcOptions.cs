using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Oidc;

/// <summary>The protocol side of the <c>LazyMigrate</c> configuration section: issuer, transport and seeded clients.</summary>
public sealed class OidcOptions
{
    public const string Section = "LazyMigrate";

    /// <summary>Public base URL (<c>LazyMigrate__Issuer</c>); tokens carry it and clients discover endpoints under it.</summary>
    public Uri? Issuer { get; set; }

    /// <summary>Serve the protocol over plain HTTP (local runs, tests, or behind a TLS-terminating proxy). Off by default.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>Clients defined in configuration, applied idempotently at start-up.</summary>
    public List<ClientDefinition> Clients { get; set; } = [];

    /// <summary>
    /// A token row for each client-credentials access token, so one can be revoked on its own before it expires. Off by
    /// default: the row is the only database write of a machine-client grant and cost 42% of the grants per second in
    /// the load bench; without it a machine token ends when it expires or when its client is removed (see
    /// ClientCredentialsTokens).
    /// </summary>
    public bool StoreClientCredentialsTokens { get; set; }

    /// <summary>
    /// The longest a node serves a client or scope from memory (OidcEntityCache). Changes reach every node at once through
    /// PostgreSQL notifications; this bounds an entry's age even so. Zero reads them from the database on every request.
    /// </summary>
    public TimeSpan ClientCacheLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often expired and redeemed tokens and dead authorizations are deleted.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Only entries older than this are pruned, which keeps recent ones around for reuse detection and audit.</summary>
    public TimeSpan PruneOlderThan { get; set; } = TimeSpan.FromDays(14);

    /// <summary>The public base URL ending with a slash, so that relative paths (<c>connect/token</c>) resolve under it.</summary>
    public Uri IssuerUri => Issuer is null
        ? throw new InvalidOperationException("LazyMigrate:Issuer is not set.")
        : Issuer.AbsoluteUri.EndsWith('/') ? Issuer : new Uri(Issuer.AbsoluteUri + "/");

    /// <summary>
    /// The issuer identifier tokens, discovery and authorization responses carry: exactly as configured. Relying parties
    /// compare it as a string with the one they were given, so <c>https://login.example.com</c> must not come back as
    /// <c>https://login.example.com/</c>, which is what System.Uri makes of a URL without a path.
    /// </summary>
    public Uri PublishedIssuer => Issuer is null
        ? throw new InvalidOperationException("LazyMigrate:Issuer is not set.")
        : Issuer.AbsolutePath == "/" && !Issuer.OriginalString.EndsWith('/')
            // Note: without canonicalisation the empty path stays empty. OpenIddict only reads the issuer's text (it
            // resolves endpoints against the request) and accepts both spellings of such an issuer when validating.
            ? new Uri(Issuer.GetLeftPart(UriPartial.Authority), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true })
            : Issuer;
}

/// <summary>One <c>LazyMigrate__Clients__N</c> entry.</summary>
public sealed class ClientDefinition
{
    public string? ClientId { get; set; }

    /// <summary>Absent for public clients (browser and native apps); stored only as a hash.</summary>
    public string? ClientSecret { get; set; }

    public string? DisplayName { get; set; }

    public List<Uri> RedirectUris { get; set; } = [];

    public List<Uri> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>Scopes the client may request. Empty: openid, profile, email, phone and offline_access for interactive clients.</summary>
    public List<string> Scopes { get; set; } = [];

    public bool RequireConsent { get; set; }

    /// <summary>This client's users must sign in with a second factor; those without one are asked to enrol first.</summary>
    public bool RequireMfa { get; set; }

    /// <summary>
    /// The scopes of the API this client runs (a resource server). Access tokens granted one of them name this client
    /// in <c>aud</c>, so it may introspect them; other clients request the scope to call it. Needs a ClientSecret.
    /// </summary>
    public List<string> ApiScopes { get; set; } = [];

    public bool IsConfidential => !string.IsNullOrEmpty(ClientSecret);

    /// <summary>Signs users in through the browser (has redirect URIs); otherwise a machine client using client credentials.</summary>
    public bool IsInteractive => RedirectUris.Count > 0;
}

/// <summary>Fails start-up with the name of the offending setting, so a bad deployment never half-works.</summary>
public sealed class OidcOptionsValidator : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        var failures = new List<string>();
        if (options.Issuer is not { IsAbsoluteUri: true })
        {
            failures.Add("LazyMigrate:Issuer (LazyMigrate__Issuer) must be set to the absolute public base URL, e.g. https://login.example.com.");
        }
        else if (options.Issuer.Scheme != Uri.UriSchemeHttps && !options.AllowHttp)
        {
            failures.Add("LazyMigrate:Issuer must be an https URL unless LazyMigrate:AllowHttp is true.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var client = options.Clients[i];
            var key = $"LazyMigrate:Clients:{i}";
            if (string.IsNullOrWhiteSpace(client.ClientId))
            {
                failures.Add($"{key}:ClientId (LazyMigrate__Clients__{i}__ClientId) is required.");
                continue;
            }

            if (!seen.Add(client.ClientId))
            {
                failures.Add($"{key}:ClientId: client '{client.ClientId}' is defined twice.");
            }

            // A client without a secret can only use the browser flow, which needs somewhere to send the code.
            if (!client.IsInteractive && !client.IsConfidential)
            {
                failures.Add($"{key}:RedirectUris (LazyMigrate__Clients__{i}__RedirectUris__0): client '{client.ClientId}' has no redirect URI. " +
                    "Add one, or give it a ClientSecret to make it a client-credentials machine client.");
            }

            for (var s = 0; s < client.ApiScopes.Count; s++)
            {
                var scope = client.ApiScopes[s];
                var setting = $"{key}:ApiScopes:{s} (LazyMigrate__Clients__{i}__ApiScopes__{s})";
                if (!client.IsConfidential)
                {
                    failures.Add($"{setting}: client '{client.ClientId}' serves an API, so it needs a ClientSecret to introspect its tokens.");
                }
                else if (string.IsNullOrWhiteSpace(scope) || scope.Contains(' ', StringComparison.Ordinal))
                {
                    failures.Add($"{setting}: '{scope}' is not a scope name (one word, no spaces).");
                }
                else if (ClientSeeder.StandardScopes.Contains(scope) || Management.ManagementScopes.All.ContainsKey(scope))
                {
                    failures.Add($"{setting}: '{scope}' is a scope of this server; an API of its own needs scopes of its own.");
                }
            }

            foreach (var uri in client.RedirectUris.Concat(client.PostLogoutRedirectUris))
            {
                if (!RedirectUris.IsAllowed(uri))
                {
                    failures.Add($"{key}: '{uri}' of client '{client.ClientId}' {RedirectUris.Rule}.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
