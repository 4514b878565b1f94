using LazyMigrate.Server.LegacyConnections;

namespace LazyMigrate.Server.Pages.Console.Connections;

public sealed class IndexModel(ConnectionAdministration connections) : ConsolePage
{
    public IReadOnlyList<ConnectionView> Connections { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Connections = await connections.ListAsync(cancellationToken);
}
