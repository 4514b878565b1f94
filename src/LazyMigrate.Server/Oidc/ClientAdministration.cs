using System.ComponentModel;
using System.Security.Cryptography;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.LazyMigration;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LazyMigrate.Server.Oidc;

public sealed record ClientView(
    string ClientId,
    string? DisplayName,
    string Type,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> ApiScopes,
    bool RequireConsent,
    [property: Description("Its users must sign in with a second factor (those without one enrol first); the ID token's amr and acr say so.")]
    bool RequireMfa,
    bool ManagedByConfiguration);

/// <summary>A new client or the new state of one. <see cref="Type"/> (public or confidential) is fixed at creation.</summary>
public sealed record ClientChange
{
    public string? ClientId { get; init; }

    public string? DisplayName { get; init; }

    public string? Type { get; init; }

    public List<string>? RedirectUris { get; init; }

    public List<string>? PostLogoutRedirectUris { get; init; }

    public List<string>? Scopes { get; init; }

    /// <summary>
    /// The scopes of the API this (confidential) client runs: access tokens granted one of them name the client in
    /// <c>aud</c>, so it may introspect them. The same as the <c>ApiScopes</c> setting of a configured client.
    /// </summary>
    public List<string>? ApiScopes { get; init; }

    public bool? RequireConsent { get; init; }

    /// <summary>
    /// Its users must sign in with a second factor; those without one are asked to enrol first. Read from the database
    /// at each authorization, so a change holds on every node from the next one.
    /// </summary>
    [Description("Its users must sign in with a second factor; those without one enrol at sign-in. Takes effect at the next authorization. Absent: unchanged.")]
    public bool? RequireMfa { get; init; }
}

public abstract record ClientResult
{
    /// <summary><paramref name="Secret"/> is set only when one was just generated: it is shown once and stored hashed.</summary>
    public sealed record Done(ClientView Client, string? Secret) : ClientResult;

    public sealed record NotFound : ClientResult;

    public sealed record Invalid(IDictionary<string, string[]> Errors) : ClientResult;

    public sealed record Conflict(string Detail) : ClientResult;
}

/// <summary>
/// OIDC clients for the management API and the console, as OpenIddict applications described exactly as the
/// configuration seeder describes them (PKCE, permissions per flow). Clients defined in configuration are read-only
/// here: the next start would silently undo an edit.
/// </summary>
public sealed class ClientAdministration(
    IOpenIddictApplicationManager applications,
    IOpenIddictScopeManager scopes,
    IOptions<OidcOptions> options,
    AuditTrail audit,
    ILogger<ClientAdministration> logger)
{
    public async Task<IReadOnlyList<ClientView>> ListAsync(CancellationToken cancellationToken)
    {
        // Read the list first: each view queries the scopes, which the same DbContext cannot do while the list streams.
        var all = new List<object>();
        await foreach (var application in applications.ListAsync(cancellationToken: cancellationToken))
        {
            all.Add(application);
        }

        var views = new List<ClientView>();
        foreach (var application in all)
        {
            views.Add(await ViewAsync(application, cancellationToken));
        }

        return [.. views.OrderBy(v => v.ClientId, StringComparer.Ordinal)];
    }

    public async Task<ClientView?> GetAsync(string clientId, CancellationToken cancellationToken) =>
        await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application ? await ViewAsync(application, cancellationToken) : null;

    public async Task<ClientResult> CreateAsync(ClientChange change, string actor, CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(change, creating: true, change.Type == ClientTypes.Confidential, cancellationToken);
        if (errors.Count > 0)
        {
            return new ClientResult.Invalid(errors);
        }

        if (await applications.FindByClientIdAsync(change.ClientId!, cancellationToken) is not null)
        {
            return new ClientResult.Conflict($"A client with id '{change.ClientId}' already exists.");
        }

        var confidential = change.Type == ClientTypes.Confidential;
        var secret = confidential ? NewSecret() : null;
        var descriptor = new OpenIddictApplicationDescriptor();
        ClientSeeder.Describe(Definition(change, secret), descriptor);
        await EnsureScopesAsync(change.Scopes, cancellationToken);
        var application = await applications.CreateAsync(descriptor, cancellationToken);
        await audit.RecordAsync(AuditEventType.ClientChanged, reason: "Created", detail: change.ClientId, actor: actor, cancellationToken: cancellationToken);
        if (change.RequireMfa == true)
        {
            await audit.RecordAsync(AuditEventType.ClientChanged, reason: "RequireMfaChanged", detail: $"{change.ClientId}: on", actor: actor, cancellationToken: cancellationToken);
        }

        await SetApiScopesAsync(change.ClientId!, change.ApiScopes ?? [], actor, cancellationToken);
        logger.LogInformation("Client {ClientId} created by {Actor}", change.ClientId, actor);
        return new ClientResult.Done(await ViewAsync(application, cancellationToken), secret);
    }

    public async Task<ClientResult> UpdateAsync(string clientId, ClientChange change, string actor, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return new ClientResult.NotFound();
        }

        if (IsConfigured(clientId))
        {
            return ConfiguredConflict(clientId);
        }

        var confidential = await applications.HasClientTypeAsync(application, ClientTypes.Confidential, cancellationToken);
        var errors = await ValidateAsync(change with { ClientId = clientId }, creating: false, confidential, cancellationToken);
        if (change.Type is { } type && type != (confidential ? ClientTypes.Confidential : ClientTypes.Public))
        {
            errors["type"] = ["A client's type cannot change; create a new client instead."];
        }

        if (errors.Count > 0)
        {
            return new ClientResult.Invalid(errors);
        }

        var current = await ViewAsync(application, cancellationToken);
        var merged = new ClientChange
        {
            ClientId = clientId,
            DisplayName = change.DisplayName ?? current.DisplayName,
            RedirectUris = change.RedirectUris ?? [.. current.RedirectUris],
            PostLogoutRedirectUris = change.PostLogoutRedirectUris ?? [.. current.PostLogoutRedirectUris],
            Scopes = change.Scopes ?? [.. current.Scopes],
            RequireConsent = change.RequireConsent ?? current.RequireConsent,
            RequireMfa = change.RequireMfa ?? current.RequireMfa,
        };
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        var storedHash = descriptor.ClientSecret;
        // A placeholder makes the definition confidential; the stored hash is put back, so the secret is unchanged.
        ClientSeeder.Describe(Definition(merged, confidential ? "unchanged" : null), descriptor);
        descriptor.ClientSecret = storedHash;
        await EnsureScopesAsync(merged.Scopes, cancellationToken);
        await applications.UpdateAsync(application, descriptor, cancellationToken);
        await audit.RecordAsync(AuditEventType.ClientChanged, reason: "Updated", detail: clientId, actor: actor, cancellationToken: cancellationToken);
        if (merged.RequireMfa != current.RequireMfa)
        {
            // A policy change of its own in the trail: who turned the second factor on or off for this client.
            var detail = $"{clientId}: {(merged.RequireMfa == true ? "on" : "off")}";
            await audit.RecordAsync(AuditEventType.ClientChanged, reason: "RequireMfaChanged", detail: detail, actor: actor, cancellationToken: cancellationToken);
            logger.LogInformation("Client {ClientId}: RequireMfa set to {RequireMfa} by {Actor}", clientId, merged.RequireMfa, actor);
        }

        if (change.ApiScopes is { } apiScopes)
        {
            await SetApiScopesAsync(clientId, apiScopes, actor, cancellationToken);
        }

        return new ClientResult.Done(await ViewAsync(application, cancellationToken), null);
    }

    public async Task<ClientResult> DeleteAsync(string clientId, string actor, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return new ClientResult.NotFound();
        }

        if (IsConfigured(clientId))
        {
            return ConfiguredConflict(clientId);
        }

        var view = await ViewAsync(application, cancellationToken);
        // A later client of the same id must not inherit this one's audiences (and with them, its tokens' introspection).
        await SetApiScopesAsync(clientId, [], actor, cancellationToken);
        // OpenIddict deletes the client's authorizations and tokens with it.
        await applications.DeleteAsync(application, cancellationToken);
        await audit.RecordAsync(AuditEventType.ClientChanged, reason: "Deleted", detail: clientId, actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Client {ClientId} deleted by {Actor}", clientId, actor);
        return new ClientResult.Done(view, null);
    }

    /// <summary>Replaces a confidential client's secret. The old one stops working at once; the new one is shown once.</summary>
    public async Task<ClientResult> RotateSecretAsync(string clientId, string actor, CancellationToken cancellationToken)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return new ClientResult.NotFound();
        }

        if (IsConfigured(clientId))
        {
            return ConfiguredConflict(clientId);
        }

        if (!await applications.HasClientTypeAsync(application, ClientTypes.Confidential, cancellationToken))
        {
            return new ClientResult.Conflict($"Client '{clientId}' is public: it has no secret to rotate.");
        }

        var secret = NewSecret();
        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        descriptor.ClientSecret = secret;
        await applications.UpdateAsync(application, descriptor, cancellationToken);
        await audit.RecordAsync(AuditEventType.ClientChanged, reason: "SecretRotated", detail: clientId, actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Client {ClientId}: secret rotated by {Actor}", clientId, actor);
        return new ClientResult.Done(await ViewAsync(application, cancellationToken), secret);
    }

    public bool IsConfigured(string clientId) => options.Value.Clients.Any(c => c.ClientId == clientId);

    private static ClientResult.Conflict ConfiguredConflict(string clientId) =>
        new($"Client '{clientId}' is defined in configuration (LazyMigrate__Clients); change it there, or the next start would undo the change.");

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ClientDefinition Definition(ClientChange change, string? secret) => new()
    {
        ClientId = change.ClientId,
        ClientSecret = secret,
        DisplayName = change.DisplayName,
        RedirectUris = [.. (change.RedirectUris ?? []).Select(u => new Uri(u))],
        PostLogoutRedirectUris = [.. (change.PostLogoutRedirectUris ?? []).Select(u => new Uri(u))],
        Scopes = change.Scopes ?? [],
        RequireConsent = change.RequireConsent ?? false,
        RequireMfa = change.RequireMfa ?? false,
    };

    private async Task EnsureScopesAsync(IEnumerable<string>? requested, CancellationToken cancellationToken)
    {
        foreach (var scope in (requested ?? []).Except(ClientSeeder.StandardScopes, StringComparer.Ordinal))
        {
            if (await scopes.FindByNameAsync(scope, cancellationToken) is null)
            {
                await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = scope, DisplayName = scope }, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="clientId"/> the audience of exactly <paramref name="wanted"/>: added to each scope's
    /// resources (creating the scope when new), removed from the scopes it no longer serves. Audited when it changes.
    /// </summary>
    private async Task SetApiScopesAsync(string clientId, IEnumerable<string> wanted, string actor, CancellationToken cancellationToken)
    {
        var desired = wanted.ToHashSet(StringComparer.Ordinal);
        var current = await ApiScopesOfAsync(clientId, cancellationToken);
        if (desired.SetEquals(current))
        {
            return;
        }

        foreach (var name in current.Where(n => !desired.Contains(n)).Concat(desired.Where(n => !current.Contains(n))))
        {
            var scope = await scopes.FindByNameAsync(name, cancellationToken);
            var descriptor = new OpenIddictScopeDescriptor { Name = name, DisplayName = name };
            if (scope is not null)
            {
                await scopes.PopulateAsync(descriptor, scope, cancellationToken);
            }

            if (desired.Contains(name))
            {
                descriptor.Resources.Add(clientId);
            }
            else
            {
                descriptor.Resources.Remove(clientId);
            }

            if (scope is null)
            {
                await scopes.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                await scopes.UpdateAsync(scope, descriptor, cancellationToken);
            }
        }

        var detail = $"{clientId}: {(desired.Count == 0 ? "(none)" : string.Join(' ', desired.Order(StringComparer.Ordinal)))}";
        await audit.RecordAsync(AuditEventType.ClientChanged, reason: "ApiScopesChanged", detail: detail, actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Client {ClientId}: API scopes set to {ApiScopes} by {Actor}", clientId, desired, actor);
    }

    /// <summary>The scopes whose tokens name <paramref name="clientId"/> as their audience.</summary>
    private async Task<List<string>> ApiScopesOfAsync(string clientId, CancellationToken cancellationToken)
    {
        var served = new List<string>();
        await foreach (var scope in scopes.FindByResourceAsync(clientId, cancellationToken))
        {
            served.Add((await scopes.GetNameAsync(scope, cancellationToken))!);
        }

        return [.. served.Order(StringComparer.Ordinal)];
    }

    /// <summary>An RFC 6749 scope-token: visible ASCII except the double quote and the backslash.</summary>
    private static bool IsScopeToken(string scope) =>
        scope.Length is > 0 and <= 200 && scope.All(c => c is >= '!' and <= '~' && c is not ('"' or '\\'));

    private async Task<Dictionary<string, string[]>> ValidateAsync(ClientChange change, bool creating, bool confidential, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (creating && (string.IsNullOrWhiteSpace(change.ClientId) || change.ClientId.Length > 100 ||
            !change.ClientId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors["clientId"] = ["1 to 100 letters, digits, '-', '_' or '.'."];
        }
        else if (creating && change.ClientId is "new")
        {
            // The console's create page lives at /console/clients/new.
            errors["clientId"] = ["'new' is reserved."];
        }
        else if (creating && change.ClientId == Management.ManagementExtensions.Audience)
        {
            // The management API's audience: such a client would be the audience of every management token.
            errors["clientId"] = [$"'{Management.ManagementExtensions.Audience}' is reserved."];
        }

        if (creating && change.Type is not (ClientTypes.Public or ClientTypes.Confidential))
        {
            errors["type"] = ["'public' (browser and native apps, code flow with PKCE) or 'confidential' (has a secret)."];
        }

        foreach (var (field, uris) in new[] { ("redirectUris", change.RedirectUris), ("postLogoutRedirectUris", change.PostLogoutRedirectUris) })
        {
            if (uris?.FirstOrDefault(u => !RedirectUris.IsAllowed(u)) is { } bad)
            {
                errors[field] = [$"'{bad}' {RedirectUris.Rule}."];
            }
        }

        if (creating && change.Type == ClientTypes.Public && change.RedirectUris is not { Count: > 0 })
        {
            errors["redirectUris"] = ["A public client signs users in through the browser and needs a redirect URI."];
        }

        if (change.DisplayName is { Length: > 200 })
        {
            errors["displayName"] = ["At most 200 characters."];
        }

        foreach (var scope in change.Scopes ?? [])
        {
            if (string.IsNullOrWhiteSpace(scope))
            {
                errors["scopes"] = ["Scopes must not be empty."];
            }
            else if (!ClientSeeder.StandardScopes.Contains(scope) && !Management.ManagementScopes.All.ContainsKey(scope) &&
                await scopes.FindByNameAsync(scope, cancellationToken) is null)
            {
                errors["scopes"] = [$"Unknown scope '{scope}'."];
            }
        }

        if (change.ApiScopes is { Count: > 0 } apiScopes)
        {
            if (!confidential)
            {
                errors["apiScopes"] = ["Only a confidential client can serve an API: it introspects its tokens with its secret."];
            }
            else if (apiScopes.Count > 50)
            {
                errors["apiScopes"] = ["At most 50 API scopes."];
            }
            else
            {
                foreach (var scope in apiScopes)
                {
                    if (!IsScopeToken(scope))
                    {
                        errors["apiScopes"] = [$"'{scope}' is not a scope name: 1 to 200 visible characters, no space, quote or backslash."];
                        break;
                    }

                    if (ClientSeeder.StandardScopes.Contains(scope) || Management.ManagementScopes.All.ContainsKey(scope))
                    {
                        errors["apiScopes"] = [$"'{scope}' is a scope of this server; an API of its own needs scopes of its own."];
                        break;
                    }

                    // One API per scope: a second audience could introspect, and be sent, the first API's tokens.
                    if (await scopes.FindByNameAsync(scope, cancellationToken) is { } existing
                        && (await scopes.GetResourcesAsync(existing, cancellationToken)).FirstOrDefault(r => r != change.ClientId) is { } other)
                    {
                        errors["apiScopes"] = [$"'{scope}' is served by another API ('{other}')."];
                        break;
                    }
                }
            }
        }

        return errors;
    }

    private async Task<ClientView> ViewAsync(object application, CancellationToken cancellationToken)
    {
        var clientId = (await applications.GetClientIdAsync(application, cancellationToken))!;
        var permissions = await applications.GetPermissionsAsync(application, cancellationToken);
        var scopes = permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal))
            .Select(p => p[Permissions.Prefixes.Scope.Length..]).ToList();
        if (permissions.Contains(Permissions.GrantTypes.AuthorizationCode))
        {
            // openid and offline_access need no permission in OpenIddict; the seeder grants interactive clients both.
            scopes.InsertRange(0, [Scopes.OpenId, Scopes.OfflineAccess]);
        }

        return new ClientView(
            clientId,
            await applications.GetDisplayNameAsync(application, cancellationToken),
            await applications.GetClientTypeAsync(application, cancellationToken) ?? ClientTypes.Public,
            [.. (await applications.GetRedirectUrisAsync(application, cancellationToken)).Order(StringComparer.Ordinal)],
            [.. (await applications.GetPostLogoutRedirectUrisAsync(application, cancellationToken)).Order(StringComparer.Ordinal)],
            [.. scopes.Distinct()],
            await ApiScopesOfAsync(clientId, cancellationToken),
            await applications.HasConsentTypeAsync(application, ConsentTypes.Explicit, cancellationToken),
            await Mfa.ClientMfaPolicy.RequiresMfaAsync(applications, application, cancellationToken),
            IsConfigured(clientId));
    }
}
