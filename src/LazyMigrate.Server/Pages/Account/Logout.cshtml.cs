using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Account;

/// <summary>
/// Confirms a sign-out. The end-session request's parameters ride along so /connect/endsession can send the user back to
/// the client's registered post-logout URI; the confirmation (with antiforgery) stops other sites logging users out.
/// </summary>
public sealed class LogoutModel : PageModel
{
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; private set; } = [];

    public void OnGet() =>
        Parameters = Request.Query.SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v ?? ""))).ToList();
}
