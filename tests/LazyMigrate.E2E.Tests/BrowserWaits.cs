using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(LazyMigrate.E2E.Tests.BrowserWaits))]

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// How long a browser assertion waits for what it expects, for every test of this assembly: 30 s, not Playwright's
/// 5 s. It is an upper bound only (an assertion passes as soon as the page shows what it expects), and a page that
/// posts a form and renders the answer takes longer than 5 s on a build machine running the three test assemblies at once.
/// </summary>
public sealed class BrowserWaits
{
    public static readonly TimeSpan Expect = TimeSpan.FromSeconds(30);

    public BrowserWaits() => Assertions.SetDefaultExpectTimeout((float)Expect.TotalMilliseconds);
}
