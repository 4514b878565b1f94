using LazyMigrate.Server.Oidc;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Pages.Console.Clients;

public sealed class NewModel(ClientAdministration clients) : ConsolePage
{
    [BindProperty]
    public ClientForm Input { get; set; } = new() { Scopes = ["openid", "profile", "email", "offline_access"] };

    /// <summary>The client just created; with its secret when confidential, shown on this response only.</summary>
    public ClientResult.Done? Created { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        switch (await clients.CreateAsync(Input.ToChange(creating: true), Actor, cancellationToken))
        {
            case ClientResult.Done done when done.Secret is not null:
                // Rendered here, never stored in a cookie or TempData: once this page is gone, so is the secret.
                Created = done;
                return Page();
            case ClientResult.Done done:
                Notify($"Client {done.Client.ClientId} created.");
                return Redirect("/console/clients/" + Uri.EscapeDataString(done.Client.ClientId));
            case ClientResult.Invalid invalid:
                AddErrors(invalid.Errors);
                return Page();
            case ClientResult.Conflict conflict:
                ModelState.AddModelError("", conflict.Detail);
                return Page();
            default:
                return NotFound();
        }
    }
}
