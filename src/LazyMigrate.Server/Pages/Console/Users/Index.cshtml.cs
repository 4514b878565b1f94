using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Users;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Pages.Console.Users;

public sealed class IndexModel(UserDirectory directory, ConnectionAdministration connections) : ConsolePage
{
    /// <summary>Email, name or username (the directory's trigram search).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>"migrated", "native" or empty for everyone.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Origin { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Connection { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Cursor { get; set; }

    public UserPage Results { get; private set; } = new([], 0, null);

    public IReadOnlyList<string> ConnectionNames { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        ConnectionNames = (await connections.ListAsync(cancellationToken)).Select(c => c.Name).ToList();
        if (!UserDirectory.IsValidCursor(Cursor))
        {
            // A cursor from an older link: start again from the first page.
            Cursor = null;
        }

        Results = await directory.SearchAsync(new UserQuery
        {
            Q = string.IsNullOrWhiteSpace(Q) ? null : Q.Trim(),
            Migrated = Origin switch { "migrated" => true, "native" => false, _ => null },
            Connection = string.IsNullOrEmpty(Connection) ? null : Connection,
            Cursor = Cursor,
            Limit = 50,
        }, cancellationToken);
        return Page();
    }

    /// <summary>The link to the next page, keeping the filters.</summary>
    public string NextPageUrl() =>
        "/console/users" + QueryString.Create(new Dictionary<string, string?>
        {
            ["q"] = Q,
            ["origin"] = Origin,
            ["connection"] = Connection,
            ["cursor"] = Results.NextCursor,
        }.Where(p => !string.IsNullOrEmpty(p.Value)));
}
