using LazyMigrate.Server.Oidc;

namespace LazyMigrate.Server.Pages.Console.Clients;

public sealed class IndexModel(ClientAdministration clients) : ConsolePage
{
    public IReadOnlyList<ClientView> Clients { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Clients = await clients.ListAsync(cancellationToken);
}
