using Microsoft.Playwright;

namespace LazyMigrate.CampaignBench;

/// <summary>What the campaign prints as it goes, and the summary at the end.</summary>
internal sealed class CampaignReport(CampaignSettings settings)
{
    private readonly List<(string Name, string Value)> _figures = [];
    private readonly List<string> _screenshots = [];
    private readonly List<string> _lines = [];

    public void Line(string text)
    {
        _lines.Add(text);
        Console.WriteLine(text);
    }

    /// <summary>Everything printed so far, kept beside the server's log.</summary>
    public void Save(string path) => File.WriteAllLines(path, _lines);

    public void Figure(string name, string value) => _figures.Add((name, value));

    public void Screenshot(string path)
    {
        _screenshots.Add(path);
        Console.WriteLine($"screenshot: {path}");
    }

    public void Memory(MemorySampler memory)
    {
        Figure("server peak RSS (VmHWM of the server process)", $"{memory.ServerHwm / 1048576.0:F0} MiB");
        Figure("sandbox worker peak RSS (largest VmHWM)", $"{memory.WorkerHwm / 1048576.0:F0} MiB ({memory.WorkersSeen} workers seen)");
        Figure("server + workers peak RSS (largest sum of VmRSS, sampled each second)", $"{memory.PeakTreeRss / 1048576.0:F0} MiB ({memory.PeakProcesses} processes)");
    }

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"| measure ({settings.Users:N0} users, {settings.Days} days) | figure |");
        Console.WriteLine("|---|---|");
        foreach (var (name, value) in _figures)
        {
            Console.WriteLine($"| {name} | {value} |");
        }

        Console.WriteLine();
        foreach (var path in _screenshots)
        {
            Console.WriteLine("screenshot: " + path);
        }
    }
}

/// <summary>The console's dashboard in Debian's Chromium (or LAZYMIGRATE_CHROMIUM) through Playwright, signed in as the administrator.</summary>
internal sealed class Screenshots : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly IPage _page;
    private readonly Uri _server;
    private readonly string _directory;

    private Screenshots(IPlaywright playwright, IBrowser browser, IPage page, Uri server, string directory)
    {
        _playwright = playwright;
        _browser = browser;
        _page = page;
        _server = server;
        _directory = directory;
    }

    public static async Task<Screenshots> StartAsync(Uri server, string email, string password, string directory)
    {
        Directory.CreateDirectory(directory);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Debian's Chromium: Playwright's own browser download is not used.
            ExecutablePath = Environment.GetEnvironmentVariable("LAZYMIGRATE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await page.GotoAsync(new Uri(server, "Account/Login?ReturnUrl=%2Fconsole").AbsoluteUri);
        await page.GetByLabel("Email or username").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/console", new PageWaitForURLOptions { Timeout = 120_000 });
        return new Screenshots(playwright, browser, page, server, directory);
    }

    public async Task<string> TakeAsync(string name)
    {
        await _page.GotoAsync(new Uri(_server, "console").AbsoluteUri, new PageGotoOptions { Timeout = 120_000 });
        var path = Path.Combine(_directory, name + ".png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
