using LazyMigrate.Cli;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Cli;

/// <summary>
/// <c>lazymigrate export</c> and <c>lazymigrate import</c> as real clients of two real servers (in memory): client
/// credentials, the export streamed to a file, the file uploaded to the other deployment, the job followed to its end
/// and the report printed with the refused rows.
/// </summary>
public sealed class ImportExportCommandTests(RoundTripFixture fixture) : IClassFixture<RoundTripFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lazymigrate-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Code, string Output, string Error)> RunAsync(LazyMigrateServer server, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] connection = ["--server", "http://localhost/", "--client-id", TestClients.Machine.ClientId, "--client-secret", TestClients.Machine.Secret!, "--poll-interval", "0.05"];
        var code = await CommandLine.RunAsync([.. args, .. connection], output, error, server.Server.CreateHandler(), TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Export_ThenImport_MovesEveryUser_AndReportsTheRefusedRows()
    {
        var legacy = await fixture.Legacy.AddUserAsync("cli-round-trip-password");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var file = Path.Combine(_directory, "users.jsonl");

        var export = await RunAsync(fixture.Server, "export", "-o", file);

        Assert.True(export.Code == 0, export.Error);
        var users = await fixture.WithDatabaseAsync(db => db.Users.CountAsync());
        Assert.Equal(users, File.ReadAllLines(file).Length);
        Assert.Contains($"{users} users written to {file}", export.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(TestClients.Machine.Secret!, export.Output + export.Error, StringComparison.Ordinal);

        // One line no importer could read: the import goes on and the report names its line.
        await File.AppendAllTextAsync(file, "{\"email\": \"broken@example.com\", \"pasword_hash\": \"typo\"}\n", TestContext.Current.CancellationToken);
        var import = await RunAsync(fixture.Target, "import", file, "--connection", "previous", "--format", "jsonl");

        Assert.True(import.Code == 1, import.Output + import.Error);
        Assert.Contains(": completed", import.Output, StringComparison.Ordinal);
        Assert.Contains("UnknownField", import.Output, StringComparison.Ordinal);
        Assert.Contains($"line {users + 1}: UnknownField", import.Output, StringComparison.Ordinal);
        using var browser = new Browser(fixture.Target);
        Assert.False((await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), legacy.Email, legacy.Password)).IsLogin);
    }

    [Fact]
    public async Task Import_WithVerify_RefusesAFileWhoseSampleDoesNotVerify_NamingIt_AndImportsOneWhoseSampleDoes()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = LazyMigrate.Testing.SampleUserFiles.Users(5, tag, LazyMigrate.Testing.SampleHash.Md5);
        var file = Path.Combine(_directory, "verified.jsonl");
        await File.WriteAllTextAsync(file, LazyMigrate.Testing.SampleUserFiles.JsonLines(users), TestContext.Current.CancellationToken);

        var wrong = await RunAsync(fixture.Target, "import", file, "--connection", "previous", "--verify", $"{users[1].Email}:not-{users[1].Password}");

        Assert.Equal(ScriptCommands.Failure, wrong.Code);
        Assert.Contains($"Verification failed for {users[1].Email} (line 2)", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(users[1].Password, wrong.Output + wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Import job", wrong.Output, StringComparison.Ordinal);

        var right = await RunAsync(fixture.Target, "import", file, "--connection", "previous", "--verify", $"{users[1].Email}:{users[1].Password}");

        Assert.True(right.Code == 0, right.Output + right.Error);
        Assert.Matches(@"created\s+5\b", right.Output);
    }

    [Fact]
    public async Task Import_WithWrongCredentials_ExitsTwo_WithTheServersReason()
    {
        var file = Path.Combine(_directory, "empty.jsonl");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await CommandLine.RunAsync(
            ["import", file, "--connection", "previous", "--server", "http://localhost/", "--client-id", "machine", "--client-secret", "not-the-secret"],
            output, error, fixture.Target.Server.CreateHandler(), TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Contains("refused the client credentials", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret", error.ToString(), StringComparison.Ordinal);
    }
}
