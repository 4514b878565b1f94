using System.Net;
using System.Net.Sockets;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// The real server listening on a loopback port with its own database, plus a headless system Chromium driven by
/// Playwright: what a person at a browser would get. One per test class.
/// </summary>
public class LiveServer : IAsyncLifetime
{
    private TestDatabase? _database;
    private IPlaywright? _playwright;

    public LazyMigrateServer Server { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public Uri Issuer { get; private set; } = null!;

    /// <summary>The issuer's host: a loopback address, or a name for what needs one (WebAuthn's relying party id).</summary>
    protected virtual string Host => "127.0.0.1";

    public virtual async ValueTask InitializeAsync()
    {
        var port = FreeLoopbackPort();
        Issuer = new Uri($"http://{Host}:{port}/");
        _database = await PostgresServer.CreateDatabaseAsync();

        var settings = TestClients.Settings(Issuer);
        var demo = new TestClient("demo", RedirectUri: new Uri(Issuer, "demo/callback"), PostLogoutRedirectUri: new Uri(Issuer, "demo"));
        foreach (var (key, value) in demo.ToSettings(TestClients.All.Count))
        {
            settings[key] = value;
        }

        await ConfigureAsync(settings);
        Server = new LazyMigrateServer(_database.ConnectionString, settings);
        Server.ListenOnLoopback(port);
        Server.StartServer();
        // A sandbox worker ready before the first sign-in, so its start never eats a script's deadline.
        await Server.Services.GetRequiredService<LazyMigrate.Scripting.Workers.SandboxWorkerPool>().WarmUpAsync(1);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's Chromium: Playwright's own browser download is not used.
            ExecutablePath = Environment.GetEnvironmentVariable("LAZYMIGRATE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>Adds settings (legacy connections...) before the server starts.</summary>
    protected virtual Task ConfigureAsync(Dictionary<string, string?> settings) => Task.CompletedTask;

    /// <summary>Saves a full-page screenshot as a test artifact under TestResults/screenshots at the repository root.</summary>
    public static async Task SaveScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    protected static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LazyMigrate.sln")))
            {
                return directory.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}
