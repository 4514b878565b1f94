using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// Failed sign-ins through the real login form and the whole ASP.NET Core pipeline (in memory, so no socket time),
// with the demo's legacy login script in sandbox workers against a legacy PostgreSQL database (bcrypt cost 10).
// Five kinds of failure, interleaved in a shuffled order each round; prints each kind's median and the largest
// difference between medians.
//   LAZYMIGRATE_BENCH_POSTGRES="Host=…;Username=…;Password=…" dotnet run -c Release --project bench/LazyMigrate.LoginTimingBench [-- TRIES [FLOOR]]
// TRIES per kind (default 1000); FLOOR sets LazyMigrate:Login:FailureFloor (e.g. 00:00:00.300; default: adaptive only).
internal static partial class LoginTimingBenchmark
{
    private const int LegacyUsers = 40;
    private const int LocalUsers = 40;
    private const string Password = "the right password 1";
    private const string WrongPassword = "not the right password";

    public static async Task Main(string[] args)
    {
        var server = Environment.GetEnvironmentVariable("LAZYMIGRATE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set LAZYMIGRATE_BENCH_POSTGRES to a PostgreSQL connection string of a role that may create databases.");
        var tries = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var floor = args.Length > 1 ? args[1] : null;

        var store = $"lazymigrate_bench_login_{Environment.ProcessId}";
        var legacy = $"lazymigrate_bench_legacy_{Environment.ProcessId}";
        await ExecuteAsync(server, $"CREATE DATABASE \"{store}\"");
        await ExecuteAsync(server, $"CREATE DATABASE \"{legacy}\"");
        try
        {
            var legacyConnection = new NpgsqlConnectionStringBuilder(server) { Database = legacy }.ConnectionString;
            await ExecuteAsync(legacyConnection, """
                CREATE EXTENSION IF NOT EXISTS pgcrypto;
                CREATE TABLE users (
                    id integer PRIMARY KEY, email text NOT NULL UNIQUE, username text NOT NULL UNIQUE,
                    first_name text NOT NULL, last_name text NOT NULL, phone text, email_verified boolean NOT NULL DEFAULT false,
                    hash_algorithm text NOT NULL, password_hash text NOT NULL, password_salt text);
                """);
            await ExecuteAsync(legacyConnection, $"""
                INSERT INTO users (id, email, username, first_name, last_name, email_verified, hash_algorithm, password_hash)
                SELECT i, 'legacy' || i || '@legacy.example', 'legacy' || i, 'Grace', 'Hopper', true, 'bcrypt', crypt('{Password}', gen_salt('bf', 10))
                FROM generate_series(1, {LegacyUsers}) AS i
                """);

            await using var app = new BenchServer(new NpgsqlConnectionStringBuilder(server) { Database = store }.ConnectionString, legacyConnection, floor);
            var locals = await CreateLocalUsersAsync(app);
            using var browser = app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
            var token = AntiforgeryToken().Match(await browser.GetStringAsync(new Uri("/Account/Login", UriKind.Relative))).Groups[1].Value;

            // One account from one address pushed past the throttle: its tries answer "too many tries" from then on.
            const string throttledAddress = "198.51.100.1";
            const string throttledAccount = "throttled@bench.example";
            for (var i = 0; i < 6; i++)
            {
                await PostAsync(browser, token, throttledAccount, WrongPassword, throttledAddress);
            }

            var random = new Random(14);
            var next = 0;
            string FreshAddress() => $"10.{(++next >> 16) & 255}.{(next >> 8) & 255}.{next & 255}";
            var kinds = new (string Name, Func<(string Identifier, string Address)> Try)[]
            {
                ("unknown address", () => ($"nobody-{Guid.NewGuid():N}@nowhere.example", FreshAddress())),
                ("local, wrong password", () => (locals[random.Next(locals.Length)], FreshAddress())),
                ("legacy, wrong password", () => ($"legacy{random.Next(1, LegacyUsers + 1)}@legacy.example", FreshAddress())),
                ("legacy, unknown username", () => ($"nobody{Guid.NewGuid():N}", FreshAddress())),
                ("throttled", () => (throttledAccount, throttledAddress)),
            };

            // Warm-up: JIT, pools, the sandbox worker's caches and the adaptive floor's first samples.
            var warmup = Math.Min(50, Math.Max(10, tries / 10));
            for (var i = 0; i < warmup; i++)
            {
                foreach (var (_, attempt) in kinds)
                {
                    var (identifier, address) = attempt();
                    await PostAsync(browser, token, identifier, WrongPassword, address);
                }
            }

            var samples = kinds.Select(_ => new List<double>(tries)).ToArray();
            var clock = Stopwatch.StartNew();
            for (var round = 0; round < tries; round++)
            {
                foreach (var k in Enumerable.Range(0, kinds.Length).OrderBy(_ => random.Next()))
                {
                    var (identifier, address) = kinds[k].Try();
                    var start = Stopwatch.GetTimestamp();
                    var answer = await PostAsync(browser, token, identifier, WrongPassword, address);
                    samples[k].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (answer != HttpStatusCode.OK)
                    {
                        throw new InvalidOperationException($"{kinds[k].Name}: the login page answered {answer}");
                    }
                }

                if ((round + 1) % 100 == 0)
                {
                    Console.Error.WriteLine($"{round + 1} rounds in {clock.Elapsed.TotalSeconds:0} s");
                }
            }

            Console.WriteLine($"failed sign-ins through POST /Account/Login, {tries:N0} interleaved tries per kind (after {warmup} warm-up rounds), " +
                              $"floor: {(floor is null ? "adaptive (p95 of recent failures)" : "configured " + floor + " and adaptive")}");
            Console.WriteLine($"{"kind",-26} {"p10",9} {"median",9} {"p90",9}");
            var medians = new double[kinds.Length];
            for (var k = 0; k < kinds.Length; k++)
            {
                var sorted = samples[k].Order().ToArray();
                medians[k] = Percentile(sorted, 0.5);
                Console.WriteLine($"{kinds[k].Name,-26} {Percentile(sorted, 0.1),6:0.0} ms {medians[k],6:0.0} ms {Percentile(sorted, 0.9),6:0.0} ms");
            }

            Console.WriteLine($"largest difference between medians: {medians.Max() - medians.Min():0.0} ms (target: under 5 ms)");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{store}\" WITH (FORCE)");
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{legacy}\" WITH (FORCE)");
        }
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task<HttpStatusCode> PostAsync(HttpClient browser, string token, string identifier, string password, string address)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/Account/Login", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Identifier"] = identifier,
                ["Input.Password"] = password,
                ["__RequestVerificationToken"] = token,
            }),
        };
        request.Headers.Add(BenchServer.ClientAddressHeader, address);
        using var response = await browser.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }

    private static async Task<string[]> CreateLocalUsersAsync(BenchServer app)
    {
        var emails = new string[LocalUsers];
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        for (var i = 0; i < LocalUsers; i++)
        {
            emails[i] = $"local{i}@bench.example";
            var result = await users.CreateAsync(new User { UserName = emails[i], Email = emails[i], EmailConfirmed = true, CreatedAt = DateTimeOffset.UtcNow }, Password);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
            }
        }

        return emails;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}

internal sealed class BenchServer(string connectionString, string legacyConnectionString, string? floor) : WebApplicationFactory<Program>
{
    /// <summary>In memory a request has no client address; the bench gives each try one, so only the throttled kind is throttled.</summary>
    public const string ClientAddressHeader = "X-Bench-Client-Address";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var root = RepositoryRoot();
        var scripts = Path.Combine(root, "demo", "legacy");
        builder.UseContentRoot(Path.Combine(root, "src", "LazyMigrate.Server"));
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Default", connectionString);
        builder.UseSetting("LazyMigrate:Issuer", "http://localhost/");
        builder.UseSetting("LazyMigrate:AllowHttp", "true");
        builder.UseSetting("LazyMigrate:Admin:Email", "admin@bench.example");
        builder.UseSetting("LazyMigrate:Admin:Password", "bench admin password");
        builder.UseSetting("LazyMigrate:Connections:0:Name", "legacy");
        builder.UseSetting("LazyMigrate:Connections:0:State", "Importing");
        builder.UseSetting("LazyMigrate:Connections:0:Database:Provider", "postgres");
        builder.UseSetting("LazyMigrate:Connections:0:Database:ConnectionString", legacyConnectionString);
        builder.UseSetting("LazyMigrate:Connections:0:Scripts:Login", Path.Combine(scripts, "login.js"));
        builder.UseSetting("LazyMigrate:Connections:0:Scripts:GetUser", Path.Combine(scripts, "getUser.js"));
        builder.UseSetting("LazyMigrate:Connections:0:Timeout", "00:00:30");
        if (floor is not null)
        {
            builder.UseSetting("LazyMigrate:Login:FailureFloor", floor);
        }

        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ClientAddressFilter>());
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LazyMigrate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("LazyMigrate.sln was not found above " + AppContext.BaseDirectory);
    }

    private sealed class ClientAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientAddressHeader], out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return following(context);
            });
            next(app);
        };
    }
}
