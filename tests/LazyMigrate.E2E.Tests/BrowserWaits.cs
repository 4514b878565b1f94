using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(LazyMigrate.E2E.Tests.BrowserWaits))]

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// How long the browser waits for what a test expects, for every test of this assembly: 30 s for an assertion (not
/// Playwright's 5 s) and 90 s for a navigation or an action (not 30 s). Upper bounds only: each wait ends as soon as
/// the page shows what it waits for. They are this long because a server's first requests, compiled on first use, take
/// tens of seconds on a build machine running the three test assemblies at once.
/// </summary>
public sealed class BrowserWaits
{
    public static readonly TimeSpan Expect = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan Action = TimeSpan.FromSeconds(90);

    public BrowserWaits() => Assertions.SetDefaultExpectTimeout((float)Expect.TotalMilliseconds);
}

public static class BrowserContexts
{
    /// <summary>A new browser context whose pages wait up to <see cref="BrowserWaits.Action"/> for navigations and actions.</summary>
    public static async Task<IBrowserContext> NewTestContextAsync(this IBrowser browser, BrowserNewContextOptions? options = null)
    {
        var context = await browser.NewContextAsync(options);
        context.SetDefaultTimeout((float)BrowserWaits.Action.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)BrowserWaits.Action.TotalMilliseconds);
        return context;
    }
}
