using System.Text.Json;
using LazyMigrate.Cli;
using LazyMigrate.Scripting;

namespace LazyMigrate.Scripting.Tests;

/// <summary>The CLI's exit codes and JSON, through its real entry point (in process).</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lazymigrate-cli-").FullName;

    private const string Login = """
        async function login(email, password, context) {
          if (email !== 'ada@example.com') return null;
          // htpasswd -nbB -C 5 u 'correct horse 9'
          const ok = await crypto.verifyPassword(password, '$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC');
          if (!ok) throw new WrongUsernameOrPasswordError(email);
          return { id: 1, email: email, given_name: 'Ada', plan: configuration.PLAN };
        }
        """;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int Code, string Output, string Error)> RunAsync(string script, params string[] args)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".js");
        await File.WriteAllTextAsync(path, script, TestContext.Current.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ScriptCommands.RunAsync([.. args.Select(a => a == "FILE" ? path : a)], output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Try_FoundUser_ExitsZero_AndPrintsTheProfile()
    {
        var (code, output, _) = await RunAsync(Login, "script", "try", "FILE", "--function", "login", "--email", "ada@example.com", "--password", "correct horse 9", "--setting", "PLAN=gold");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("found", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("1", json.RootElement.GetProperty("profile").GetProperty("id").GetString());
        Assert.Equal("Ada", json.RootElement.GetProperty("profile").GetProperty("givenName").GetString());
        Assert.Equal("gold", json.RootElement.GetProperty("profile").GetProperty("userMetadata").GetProperty("plan").GetString());
    }

    [Fact]
    public async Task Try_WrongPassword_ExitsOne()
    {
        var (code, output, _) = await RunAsync(Login, "script", "try", "FILE", "--function", "login", "--email", "ada@example.com", "--password", "nope");

        Assert.Equal(1, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("wrongPassword", json.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Try_SyntaxError_ExitsTwo_WithLineAndColumn()
    {
        var (code, output, _) = await RunAsync("async function login(e, p) {\n  return { id: };\n}", "script", "try", "FILE", "--function", "login", "--email", "a@b.example");

        Assert.Equal(2, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("failed", json.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("scriptError", json.RootElement.GetProperty("reason").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Try_Timeout_ExitsTwo()
    {
        var (code, output, _) = await RunAsync("async function getUser(e) { await new Promise(function () {}); }", "script", "try", "FILE", "--function", "getUser", "--email", "a@b.example", "--timeout", "1");

        Assert.Equal(2, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("timeout", json.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Try_AgainstASqliteLegacyDatabase_UsesTheShippedTemplate()
    {
        var database = Path.Combine(_directory, "legacy.db");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database}"))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = connection.CreateCommand();
            // htpasswd -nbB -C 5 u 'correct horse 9'
            command.CommandText = """
                CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, username TEXT, password_hash TEXT, given_name TEXT, family_name TEXT, email_verified INTEGER);
                INSERT INTO users VALUES (3, 'alan@legacy.example', 'alan', '$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC', 'Alan', 'Turing', 0);
                """;
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var (code, output, _) = await RunAsync(ScriptTemplates.Get("sqlite"), "script", "try", "FILE", "--function", "login", "--email", "alan@legacy.example", "--password", "correct horse 9", "--db-provider", "sqlite", "--db", $"Data Source={database}");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("Turing", json.RootElement.GetProperty("profile").GetProperty("familyName").GetString());
    }

    [Fact]
    public async Task Check_ReportsSyntaxErrorsWithLineAndColumn()
    {
        var (bad, badOutput, badError) = await RunAsync("async function login() {\n  let x = ;\n}", "script", "check", "FILE");
        var (good, _, _) = await RunAsync(Login, "script", "check", "FILE");

        Assert.Equal(2, bad);
        Assert.Equal(0, good);
        using var json = JsonDocument.Parse(badOutput);
        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Equal(11, error.GetProperty("column").GetInt32());
        Assert.Contains(":2:11:", badError, StringComparison.Ordinal);
    }
}
