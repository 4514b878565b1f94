using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Workers;

namespace LazyMigrate.Cli;

/// <summary>
/// <c>lazymigrate script try</c> and <c>lazymigrate script check</c>: run or parse a connection script outside the
/// server, so teams can keep scripts in Git and test them in CI. Exit codes: 0 found, 1 unknown user or wrong
/// password, 2 failure (including a usage error).
/// </summary>
public static class ScriptCommands
{
    public const int Found = 0;
    public const int NotAccepted = 1;
    public const int Failure = 2;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Runs the whole command line (kept here for the callers that only know the script commands).</summary>
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default) =>
        CommandLine.RunAsync(args, output, error, cancellationToken: cancellationToken);

    /// <summary>The <c>script</c> command: <c>try</c> and <c>check</c>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "the script file" };
        var function = new Option<string>("--function") { Description = "login or getUser", Required = true };
        function.AcceptOnlyFromAmong("login", "getUser");
        var email = new Option<string>("--email") { Description = "the identifier to try", Required = true };
        var password = new Option<string?>("--password") { Description = "the password (login only)" };
        var settings = new Option<string[]>("--setting") { Description = "a setting as KEY=VALUE (repeatable)" };
        var secrets = new Option<string[]>("--secret") { Description = "a setting KEY whose value is secret (repeatable)" };
        var provider = new Option<string?>("--db-provider") { Description = "postgres, mysql, sqlserver or sqlite" };
        var database = new Option<string?>("--db") { Description = "the legacy database connection string" };
        var allowHosts = new Option<string[]>("--allow-host") { Description = "a host the script may reach (repeatable)" };
        var timeout = new Option<double>("--timeout") { Description = "the call's deadline in seconds", DefaultValueFactory = _ => 5 };

        var tryCommand = new Command("try", "run a script's login or getUser once (a dry run) and print the result as JSON")
        {
            file, function, email, password, settings, secrets, provider, database, allowHosts, timeout,
        };
        var checkFile = new Argument<FileInfo>("FILE") { Description = "the script file" };
        var checkCommand = new Command("check", "report syntax errors with line and column") { checkFile };
        tryCommand.SetAction((parsed, token) => TryAsync(parsed, output, error, token));
        checkCommand.SetAction(parsed => Check(parsed.GetRequiredValue(checkFile), output, error));

        async Task<int> TryAsync(ParseResult parsed, TextWriter stdout, TextWriter stderr, CancellationToken token)
        {
            var path = parsed.GetRequiredValue(file);
            if (!path.Exists)
            {
                await stderr.WriteLineAsync($"{path.FullName}: no such file");
                return Failure;
            }

            var settingPairs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parsed.GetValue(settings) ?? [])
            {
                var separator = pair.IndexOf('=', StringComparison.Ordinal);
                if (separator <= 0)
                {
                    await stderr.WriteLineAsync($"--setting {pair}: expected KEY=VALUE");
                    return Failure;
                }

                settingPairs[pair[..separator]] = pair[(separator + 1)..];
            }

            var providerName = parsed.GetValue(provider);
            if (!TryProvider(providerName, out var databaseProvider))
            {
                await stderr.WriteLineAsync($"--db-provider {providerName}: expected postgres, mysql, sqlserver or sqlite");
                return Failure;
            }

            var source = await File.ReadAllTextAsync(path.FullName, token);
            var isLogin = parsed.GetRequiredValue(function) == "login";
            var connection = new LegacyConnection
            {
                Name = "cli",
                DatabaseProvider = databaseProvider,
                DatabaseConnectionString = parsed.GetValue(database),
                LoginScript = isLogin ? source : null,
                GetUserScript = isLogin ? null : source,
                Settings = settingPairs,
                SecretSettings = (parsed.GetValue(secrets) ?? []).ToHashSet(StringComparer.Ordinal),
                HttpAllowList = parsed.GetValue(allowHosts) ?? [],
                Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(Math.Clamp(parsed.GetValue(timeout), 0.1, 300)) },
            };
            // The same worker process the server runs scripts in, so a script behaves alike in CI, in Try and at login.
            await using var pool = new SandboxWorkerPool(new SandboxOptions { MaxWorkers = 1, WarmWorkers = 1 });
            // Started before the call: --timeout is the script's deadline, not the process start's.
            await pool.WarmUpAsync(token);
            var scripts = new SandboxedLegacyUserScripts(pool);
            var context = new ScriptContext { DryRun = true };
            var identifier = parsed.GetRequiredValue(email);
            var result = isLogin
                ? await scripts.LoginAsync(connection, identifier, parsed.GetValue(password) ?? "", context, token)
                : await scripts.GetUserAsync(connection, identifier, context, token);
            await stdout.WriteLineAsync(JsonSerializer.Serialize(Describe(result), Json));
            return result.Outcome switch
            {
                ScriptOutcome.Found or ScriptOutcome.Counted => Found,
                ScriptOutcome.UnknownUser or ScriptOutcome.WrongPassword => NotAccepted,
                _ => Failure,
            };
        }

        return new Command("script", "try and check connection scripts") { tryCommand, checkCommand };
    }

    private static int Check(FileInfo path, TextWriter output, TextWriter error)
    {
        if (!path.Exists)
        {
            error.WriteLine($"{path.FullName}: no such file");
            return Failure;
        }

        var validation = LegacyUserScripts.ValidateScript(File.ReadAllText(path.FullName));
        foreach (var problem in validation.Errors)
        {
            error.WriteLine($"{path.Name}:{problem.Line}:{problem.Column}: {problem.Message}");
        }

        output.WriteLine(JsonSerializer.Serialize(new { valid = validation.IsValid, errors = validation.Errors }, Json));
        return validation.IsValid ? Found : Failure;
    }

    private static bool TryProvider(string? name, out LegacyDatabaseProvider provider)
    {
        provider = name?.ToLowerInvariant() switch
        {
            null or "" or "none" => LegacyDatabaseProvider.None,
            "postgres" or "postgresql" or "pg" => LegacyDatabaseProvider.Postgres,
            "mysql" or "mariadb" => LegacyDatabaseProvider.MySql,
            "sqlserver" or "mssql" => LegacyDatabaseProvider.SqlServer,
            "sqlite" => LegacyDatabaseProvider.Sqlite,
            _ => (LegacyDatabaseProvider)(-1),
        };
        return Enum.IsDefined(provider);
    }

    private static object Describe(ScriptResult result) => new
    {
        outcome = result.Outcome switch
        {
            ScriptOutcome.Found => "found",
            ScriptOutcome.UnknownUser => "unknownUser",
            ScriptOutcome.WrongPassword => "wrongPassword",
            ScriptOutcome.Counted => "counted",
            _ => "failed",
        },
        profile = (result.Outcome as ScriptOutcome.Found)?.Profile,
        users = (result.Outcome as ScriptOutcome.Counted)?.Users,
        reason = (result.Outcome as ScriptOutcome.Failed)?.Reason,
        message = (result.Outcome as ScriptOutcome.Failed)?.Message,
        line = (result.Outcome as ScriptOutcome.Failed)?.Line,
        column = (result.Outcome as ScriptOutcome.Failed)?.Column,
        durationMs = Math.Round(result.Duration.TotalMilliseconds, 1),
        logs = result.Logs.Select(entry => new { level = entry.Level, entry.Message, atMs = Math.Round(entry.At.TotalMilliseconds, 1) }),
    };
}
