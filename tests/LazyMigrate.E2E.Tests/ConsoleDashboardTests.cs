using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

/// <summary>The legacy connection's login script breaks on one record, as a real legacy database sometimes does.</summary>
public sealed class BrokenRecordServer : ConsoleServer
{
    public const string BrokenPrefix = "broken-";

    protected override string? LoginScript(string demoLoginScript) => demoLoginScript.Replace(
        "async function login(email, password, context) {",
        "async function login(email, password, context) {\n" +
        $"  if (email.startsWith('{BrokenPrefix}')) {{ throw new Error('the legacy record is corrupt'); }}",
        StringComparison.Ordinal);
}

/// <summary>The dashboard against a migration seeded only through the real login page. A class of its own: exact counts.</summary>
public sealed class ConsoleDashboardTests(BrokenRecordServer live) : IClassFixture<BrokenRecordServer>
{
    [Fact]
    public async Task Dashboard_AfterRealLogins_ShowsMigratedRemainingAndFailures()
    {
        var ada = await live.Legacy.AddUserAsync("ada's legacy password", "Ada", "Lovelace");
        var grace = await live.Legacy.AddUserAsync("grace's legacy password", "Grace", "Hopper");
        var alan = await live.Legacy.AddUserAsync("alan's legacy password", "Alan", "Turing");
        var broken = await live.Legacy.AddUserAsync("broken record's password", email: $"{BrokenRecordServer.BrokenPrefix}{Guid.NewGuid():N}@legacy.example");

        // Two legacy users sign in and come over; one types a wrong password (no migration, no script failure);
        // one record breaks the script (one failure); the others never sign in.
        foreach (var (email, password) in new[] { (ada.Email, ada.Password), (grace.Email, grace.Password), (alan.Email, "not alan's password"), (broken.Email, broken.Password) })
        {
            var person = await live.NewPageAsync();
            await live.SignInAsync(person, email, password);
            await person.Context.CloseAsync();
        }

        var page = await live.AdminPageAsync();

        Assert.Equal("2", await page.GetByTestId("migrated").InnerTextAsync());
        // countUsers sees 4 legacy users: 4 - 2 migrated.
        Assert.Equal("2", await page.GetByTestId("remaining").InnerTextAsync());
        Assert.Equal("1", await page.GetByTestId("failures").InnerTextAsync());
        Assert.NotEqual("—", await page.GetByTestId("finish").InnerTextAsync());
        var reasons = await page.GetByTestId("failures-by-reason").Locator("tbody tr").AllInnerTextsAsync();
        Assert.Single(reasons);
        Assert.EndsWith("1", reasons[0].Trim(), StringComparison.Ordinal);
        var connections = await page.GetByTestId("connections").Locator("tbody tr").AllInnerTextsAsync();
        Assert.Contains(connections, row => row.Contains("legacy", StringComparison.Ordinal) && row.Contains("Importing", StringComparison.Ordinal));
        Assert.Equal(30, await page.Locator("svg.chart rect.bar.migrated").CountAsync());
        await LiveServer.SaveScreenshotAsync(page, "console-dashboard");

        await page.SetViewportSizeAsync(390, 844);
        await LiveServer.SaveScreenshotAsync(page, "console-dashboard-phone");
        await page.SetViewportSizeAsync(1280, 800);

        // The reason links to the audit entries of that failure.
        await page.GetByTestId("failures-by-reason").Locator("tbody a").First.ClickAsync();
        await page.WaitForURLAsync("**/console/audit?**");
        var entries = await page.GetByTestId("audit").Locator("tbody tr").AllInnerTextsAsync();
        var entry = Assert.Single(entries);
        Assert.Contains("ScriptFailed", entry, StringComparison.Ordinal);
        Assert.Contains("the legacy record is corrupt", entry, StringComparison.Ordinal);
        await LiveServer.SaveScreenshotAsync(page, "console-audit-filtered");
    }
}
