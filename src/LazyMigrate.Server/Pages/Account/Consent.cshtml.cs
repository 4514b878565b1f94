using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LazyMigrate.Server.Pages.Account;

/// <summary>
/// Asks the signed-in user to approve a client that requires consent. The form posts the original authorization request
/// back to /connect/authorize, which validates it again from scratch; nothing shown here is trusted there.
/// </summary>
[Authorize]
public sealed class ConsentModel(IOpenIddictApplicationManager applications) : PageModel
{
    private static readonly Dictionary<string, string> ScopeDescriptions = new(StringComparer.Ordinal)
    {
        [Scopes.OpenId] = "Sign you in",
        [Scopes.Profile] = "See your name, username and picture",
        [Scopes.Email] = "See your email address",
        [Scopes.Phone] = "See your phone number",
        [Scopes.OfflineAccess] = "Stay signed in when you are not using it",
    };

    public string ApplicationName { get; private set; } = "";

    public IReadOnlyList<string> RequestedScopes { get; private set; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var clientId = Request.Query[OpenIddictConstants.Parameters.ClientId].ToString();
        var application = clientId.Length == 0 ? null : await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return BadRequest();
        }

        ApplicationName = await applications.GetLocalizedDisplayNameAsync(application, cancellationToken) ?? clientId;
        RequestedScopes = Request.Query[OpenIddictConstants.Parameters.Scope].ToString()
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(scope => ScopeDescriptions.GetValueOrDefault(scope, scope))
            .ToList();
        Parameters = Request.Query.SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? ""))).ToList();
        return Page();
    }
}
