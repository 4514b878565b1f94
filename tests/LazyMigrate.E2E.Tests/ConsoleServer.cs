using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// The live server with one Importing connection, <c>legacy</c>, running the demo's scripts against a legacy
/// PostgreSQL database of the fixture's own: users migrate through real logins at the login page.
/// </summary>
public class ConsoleServer : LiveServer
{
    private string? _scriptDirectory;

    public LegacyDatabase Legacy { get; private set; } = null!;

    /// <summary>A login script to use instead of the demo's, or null.</summary>
    protected virtual string? LoginScript(string demoLoginScript) => null;

    protected override async Task ConfigureAsync(Dictionary<string, string?> settings)
    {
        Legacy = await LegacyDatabase.CreateAsync();
        string? loginScript = null;
        var demo = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "demo", "legacy", "login.js"));
        if (LoginScript(demo) is { } custom)
        {
            _scriptDirectory = Directory.CreateTempSubdirectory("lazymigrate-console-").FullName;
            loginScript = Path.Combine(_scriptDirectory, "login.js");
            await File.WriteAllTextAsync(loginScript, custom);
        }

        foreach (var (key, value) in LegacyServerFixture.ConnectionSettings(0, "legacy", Legacy.ConnectionString, TimeSpan.FromSeconds(10), loginScript))
        {
            settings[key] = value;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Legacy is not null)
        {
            await Legacy.DisposeAsync();
        }

        if (_scriptDirectory is not null)
        {
            Directory.Delete(_scriptDirectory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    public string Url(string path) => new Uri(Issuer, path).AbsoluteUri;

    /// <summary>A fresh browser context (its own cookies), as another person at another browser.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewTestContextAsync();
        return await context.NewPageAsync();
    }

    /// <summary>Signs in at the real login page and waits to leave it.</summary>
    public async Task SignInAsync(IPage page, string identifier, string password, string returnUrl = "/")
    {
        await page.GotoAsync(Url("Account/Login?ReturnUrl=" + Uri.EscapeDataString(returnUrl)));
        await page.GetByLabel("Email or username").FillAsync(identifier);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }

    /// <summary>A new browser context signed in as the bootstrap admin, on the dashboard.</summary>
    public async Task<IPage> AdminPageAsync()
    {
        var page = await NewPageAsync();
        await SignInAsync(page, TestUsers.AdminEmail, TestUsers.AdminPassword, "/console");
        await page.WaitForURLAsync("**/console");
        return page;
    }
}
