using LazyMigrate.Server.Demo;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Demo;

public sealed class DemoIndexModel(DemoRelyingParty demo) : PageModel
{
    public bool Configured { get; private set; }

    public string ClientId => demo.ClientId;

    public async Task OnGetAsync(CancellationToken cancellationToken) => Configured = await demo.IsConfiguredAsync(cancellationToken);
}
