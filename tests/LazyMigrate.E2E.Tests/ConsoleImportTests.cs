using System.Text;
using LazyMigrate.Server.Data;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LazyMigrate.E2E.Tests;

/// <summary>The console server whose legacy connection can also be pulled from (the demo's listUsers).</summary>
public sealed class ImportConsoleServer : ConsoleServer
{
    protected override async Task ConfigureAsync(Dictionary<string, string?> settings)
    {
        await base.ConfigureAsync(settings);
        settings["LazyMigrate:Connections:0:Scripts:ListUsers"] = Path.Combine(RepositoryRoot(), "demo", "legacy", "listUsers.js");
        settings["LazyMigrate:Jobs:PollInterval"] = "00:00:00.200";
    }

    /// <summary>Reads the server's database directly: the truth a page is checked against.</summary>
    public async Task<T> WithDatabaseAsync<T>(Func<LazyMigrateDbContext, Task<T>> read)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        return await read(scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>());
    }
}

/// <summary>
/// A connection's Import tab in a real browser: a file uploaded and followed to the end by the page's own script
/// (no reload by the test), and its refused rows with their lines. A class of its own: exact counts.
/// </summary>
public sealed class ConsoleFileImportTests(ImportConsoleServer live) : IClassFixture<ImportConsoleServer>
{
    private static readonly LocatorAssertionsToHaveTextOptions UntilTheJobEnds = new() { Timeout = 120_000 };

    [Fact]
    public async Task ImportTab_UploadAFile_FollowsItLiveToTheEnd_AndReportsRefusedRowsByLine()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(3_000, tag, SampleHash.Md5, SampleHash.Sha256, SampleHash.None);
        var lines = SampleUserFiles.JsonLines(users).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        // Line 3 is not JSON, line 6 has a user without an address or id: both refused, the rest imported.
        lines.Insert(2, "{ this is not json");
        lines.Insert(5, """{"given_name":"Nobody"}""");
        var file = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        var page = await live.AdminPageAsync();
        var refusedByCsp = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                refusedByCsp.Add(message.Text);
            }
        };

        await page.GotoAsync(live.Url("console/connections/legacy"));
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Connection" }).GetByRole(AriaRole.Link, new() { Name = "Import" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connections/legacy/import");
        await page.GetByLabel("Users file").SetInputFilesAsync(new FilePayload { Name = "users.jsonl", MimeType = "application/x-ndjson", Buffer = file });
        await LiveServer.SaveScreenshotAsync(page, "console-import-tab");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and import" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connections/legacy/import/*");

        // The page's script follows the job and reloads itself when it ends; the test only waits for what it shows.
        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("Completed", UntilTheJobEnds);
        await LiveServer.SaveScreenshotAsync(page, "console-import-job");

        Assert.Equal("3,002", await page.GetByTestId("processed").InnerTextAsync());
        Assert.Equal("3,000", await page.GetByTestId("created").InnerTextAsync());
        Assert.Equal("2", await page.GetByTestId("refused").InnerTextAsync());
        var refused = await page.GetByTestId("refused-rows").Locator("tbody tr").AllAsync();
        Assert.Equal(2, refused.Count);
        Assert.StartsWith("line 3", await refused[0].Locator("td").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("InvalidJson", await refused[0].InnerTextAsync(), StringComparison.Ordinal);
        Assert.StartsWith("line 6", await refused[1].Locator("td").First.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Empty(refusedByCsp);
        Assert.Equal(3_000, await live.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"))));

        // The job is listed on the tab, and the dashboard counts its users as bulk-imported: a third without a hash.
        await page.GotoAsync(live.Url("console/connections/legacy/import"));
        Assert.Contains("Completed", await page.GetByTestId("import-jobs").Locator("tbody tr").First.InnerTextAsync(), StringComparison.Ordinal);
        await page.GotoAsync(live.Url("console"));
        Assert.Equal("3,000", await page.GetByTestId("bulk-imported").InnerTextAsync());
        Assert.Equal("1,000", await page.GetByTestId("reset-required").InnerTextAsync());
        Assert.Equal("2,000", await page.GetByTestId("awaiting-first-sign-in").InnerTextAsync());
        Assert.Equal("0", await page.GetByTestId("lazily-migrated").InnerTextAsync());
    }

    [Fact]
    public async Task ImportTab_AVerificationSampleThatFails_IsRefusedNamingItsAddress_AndNothingIsImported()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(5, tag, SampleHash.Md5);
        var page = await live.AdminPageAsync();
        await page.GotoAsync(live.Url("console/connections/legacy/import"));

        await page.GetByLabel("Users file").SetInputFilesAsync(new FilePayload
        {
            Name = "users.jsonl", MimeType = "application/x-ndjson", Buffer = Encoding.UTF8.GetBytes(SampleUserFiles.JsonLines(users)),
        });
        await page.GetByLabel("Verify first").FillAsync($"{users[2].Email}:not-{users[2].Password}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and import" }).ClickAsync();

        var errors = await page.GetByTestId("import-errors").InnerTextAsync();
        Assert.Contains($"Verification failed for {users[2].Email}", errors, StringComparison.Ordinal);
        Assert.DoesNotContain(users[2].Password, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await live.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Email!.EndsWith("-" + tag + "@bulk.example"))));
    }
}

/// <summary>
/// A pull import from the Import tab, paused and resumed from the page, then the connection disconnected with nobody
/// left behind. A class of its own: its legacy database holds exactly the users it pulls.
/// </summary>
public sealed class ConsolePullImportTests(ImportConsoleServer live) : IClassFixture<ImportConsoleServer>
{
    private const int LegacyUsers = 90;

    [Fact]
    public async Task ImportTab_PullImport_PausesAndResumesFromThePage_ThenDisconnectSaysNobodyIsLeft()
    {
        for (var i = 0; i < LegacyUsers; i++)
        {
            await live.Legacy.AddUserAsync($"pulled password {i}");
        }

        var page = await live.AdminPageAsync();
        await page.GotoAsync(live.Url("console/connections/legacy/import"));
        // Slow on purpose (3 users a second, 3 a page): the job is still running when the page pauses it.
        await page.GetByLabel("Users per second").FillAsync("3");
        await page.GetByLabel("Page size").FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start the pull import" }).ClickAsync();
        await page.WaitForURLAsync("**/console/connections/legacy/import/*");
        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("Running", new() { Timeout = 60_000 });
        // The live figures move without a reload.
        await Expect(page.GetByTestId("processed")).Not.ToHaveTextAsync("0", new() { Timeout = 60_000 });

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("Paused");
        var jobId = Guid.Parse(page.Url.Split('/').Last());
        var paused = await live.WithDatabaseAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId));
        Assert.InRange(paused.Processed, 1, LegacyUsers - 1);
        await LiveServer.SaveScreenshotAsync(page, "console-import-paused");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(page.GetByTestId("job-state")).ToHaveTextAsync("Completed", new() { Timeout = 180_000 });
        Assert.Equal(LegacyUsers.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.GetByTestId("created").InnerTextAsync());
        // Every legacy user once: no duplicate and no gap across the pause.
        var identities = await live.WithDatabaseAsync(db => db.UserIdentities.Where(i => i.Connection == "legacy").Select(i => i.LegacyId).ToListAsync());
        Assert.Equal(Enumerable.Range(1, LegacyUsers).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(), identities.Order());

        // Disconnecting now leaves nobody behind, and the confirmation says so.
        await page.GotoAsync(live.Url("console/connections/legacy"));
        await page.GetByLabel("State").SelectOptionAsync("Disconnected");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save connection" }).ClickAsync();
        var confirmation = await page.GetByTestId("disconnect-confirmation").InnerTextAsync();
        Assert.Contains("Every legacy user of this connection is here", confirmation, StringComparison.Ordinal);
        Assert.DoesNotContain("never migrated", confirmation, StringComparison.Ordinal);
        await LiveServer.SaveScreenshotAsync(page, "console-disconnect-nobody-left");
    }
}
