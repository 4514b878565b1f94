using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using NpgsqlTypes;

// Search and list of the management API at 100,000 users, through the whole ASP.NET Core pipeline (in memory, so no
// socket time) with a real client-credentials token, on PostgreSQL. Prints p50/p95/p99 per case and ratios.
//   LAZYMIGRATE_BENCH_POSTGRES="Host=…;Username=…;Password=…" dotnet run -c Release --project bench/LazyMigrate.SearchBench [-- USERS]
internal static class SearchBenchmark
{
    private const int Iterations = 300;
    private const int Warmup = 30;

    public static async Task Main(string[] args)
    {
        var server = Environment.GetEnvironmentVariable("LAZYMIGRATE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set LAZYMIGRATE_BENCH_POSTGRES to a PostgreSQL connection string of a role that may create databases.");
        var users = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;

        var database = $"lazymigrate_bench_{Environment.ProcessId}";
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        try
        {
            await using var app = new BenchServer(connectionString);
            using var http = app.CreateClient();
            // Starting the server applies the migrations.
            var token = await TokenAsync(http);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

            var seeding = Stopwatch.StartNew();
            await SeedAsync(connectionString, users);
            Console.WriteLine($"seeded {users:N0} users in {seeding.Elapsed.TotalSeconds:0.0} s");

            var deepCursor = await CursorAfterAsync(http, pages: 40);
            var cases = new (string Name, Func<int, string> Url)[]
            {
                ("q = email prefix", i => $"/api/v1/users?q=user{i % 900 + 100}.&limit=50"),
                ("q = name substring", i => $"/api/v1/users?q={Names.Family[i % Names.Family.Length][1..4]}&limit=50"),
                ("list, first page", _ => "/api/v1/users?limit=50"),
                ("list, page 41 by cursor", _ => $"/api/v1/users?limit=50&cursor={deepCursor}"),
                ("list, migrated=false", _ => "/api/v1/users?migrated=false&limit=50"),
            };

            var results = new List<(string Name, double P50, double P95, double P99)>();
            foreach (var (name, url) in cases)
            {
                for (var i = 0; i < Warmup; i++)
                {
                    await GetAsync(http, url(i));
                }

                var samples = new double[Iterations];
                for (var i = 0; i < Iterations; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await GetAsync(http, url(i));
                    samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                Array.Sort(samples);
                results.Add((name, samples[Iterations / 2], samples[(int)(Iterations * 0.95)], samples[(int)(Iterations * 0.99)]));
            }

            Console.WriteLine($"GET /api/v1/users at {users:N0} users, {Iterations} requests per case (after {Warmup} warm-up), 50 per page with total count");
            Console.WriteLine($"{"case",-26} {"p50",9} {"p95",9} {"p99",9}   p95 / first page");
            var baseline = results.Single(r => r.Name == "list, first page").P95;
            foreach (var (name, p50, p95, p99) in results)
            {
                Console.WriteLine($"{name,-26} {p50,6:0.0} ms {p95,6:0.0} ms {p99,6:0.0} ms   {p95 / baseline,5:0.00}x");
            }

            await MeasurePagesAsync(app, connectionString, users);

            await ExplainAsync(connectionString, "q = email prefix", "user123.");
            await ExplainAsync(connectionString, "q = name substring", "anak");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    // The admin console's pages at the same size: signed in through the real login form, each page rendered whole.
    private static async Task MeasurePagesAsync(BenchServer app, string connectionString, int users)
    {
        using var browser = app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var login = await browser.GetStringAsync(new Uri("/Account/Login", UriKind.Relative));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Input.Identifier"] = BenchServer.AdminEmail,
            ["Input.Password"] = BenchServer.AdminPassword,
            ["__RequestVerificationToken"] = System.Text.RegularExpressions.Regex.Match(login, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value,
        });
        using (var signedIn = await browser.PostAsync(new Uri("/Account/Login", UriKind.Relative), form))
        {
            if (signedIn.StatusCode != System.Net.HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"The admin could not sign in: {signedIn.StatusCode}");
            }
        }

        Guid someone;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""SELECT "Id" FROM "AspNetUsers" WHERE "MigratedAt" IS NOT NULL OFFSET 5000 LIMIT 1""", connection);
            someone = (Guid)(await command.ExecuteScalarAsync())!;
        }

        var pages = new (string Name, Func<int, string> Url)[]
        {
            ("dashboard", _ => "/console"),
            ("users, first page", _ => "/console/users"),
            ("users, q = name substring", i => $"/console/users?q={Names.Family[i % Names.Family.Length][1..4]}"),
            ("user detail", _ => $"/console/users/{someone}"),
            ("connections", _ => "/console/connections"),
            ("audit log", _ => "/console/audit"),
        };

        const int requests = 100;
        Console.WriteLine($"\nconsole pages at {users:N0} users, {requests} requests each (after 10 warm-up), whole page rendered");
        Console.WriteLine($"{"page",-26} {"p50",9} {"p95",9} {"p99",9}");
        foreach (var (name, url) in pages)
        {
            var samples = new double[requests];
            for (var i = -10; i < requests; i++)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await browser.GetAsync(new Uri(url(Math.Max(i, 0)), UriKind.Relative));
                _ = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != System.Net.HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{url(0)} answered {response.StatusCode}");
                }

                if (i >= 0)
                {
                    samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            Array.Sort(samples);
            Console.WriteLine($"{name,-26} {samples[requests / 2],6:0.0} ms {samples[(int)(requests * 0.95)],6:0.0} ms {samples[(int)(requests * 0.99)],6:0.0} ms");
        }
    }

    private static async Task<string> TokenAsync(HttpClient http)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = BenchServer.ClientId,
            ["client_secret"] = BenchServer.ClientSecret,
            ["scope"] = "read:users",
        });
        using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
        response.EnsureSuccessStatusCode();
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(new Uri(url, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<string> CursorAfterAsync(HttpClient http, int pages)
    {
        var url = "/api/v1/users?limit=50";
        for (var i = 0; i < pages; i++)
        {
            url = (await GetAsync(http, url)).GetProperty("next").GetString()!;
        }

        return Uri.UnescapeDataString(url[(url.IndexOf("cursor=", StringComparison.Ordinal) + "cursor=".Length)..]);
    }

    // Users as a migration leaves them: 70% imported from a legacy connection, names from a small pool, spread over a year.
    private static async Task SeedAsync(string connectionString, int count)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await using (var importer = await connection.BeginBinaryImportAsync(
            """COPY "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount", "SecurityStamp", "CreatedAt", "MigratedAt", "LastLoginAt", "Name", "GivenName", "FamilyName") FROM STDIN (FORMAT BINARY)"""))
        {
            for (var i = 0; i < count; i++)
            {
                var given = Names.Given[i % Names.Given.Length];
                var family = Names.Family[i / Names.Given.Length % Names.Family.Length];
                var email = $"user{i}.{given}.{family}@example.com".ToLowerInvariant();
                var created = start.AddSeconds(i * 300.0);
                var migrated = i % 10 < 7;
                await importer.StartRowAsync();
                await importer.WriteAsync(Guid.CreateVersion7(created), NpgsqlDbType.Uuid);
                await importer.WriteAsync(email, NpgsqlDbType.Varchar);
                await importer.WriteAsync(email.ToUpperInvariant(), NpgsqlDbType.Varchar);
                await importer.WriteAsync(email, NpgsqlDbType.Varchar);
                await importer.WriteAsync(email.ToUpperInvariant(), NpgsqlDbType.Varchar);
                await importer.WriteAsync(true, NpgsqlDbType.Boolean);
                await importer.WriteAsync(false, NpgsqlDbType.Boolean);
                await importer.WriteAsync(false, NpgsqlDbType.Boolean);
                await importer.WriteAsync(true, NpgsqlDbType.Boolean);
                await importer.WriteAsync(0, NpgsqlDbType.Integer);
                await importer.WriteAsync(Guid.NewGuid().ToString("N"), NpgsqlDbType.Text);
                await importer.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(migrated ? created : (DateTimeOffset?)null, NpgsqlDbType.TimestampTz);
                await importer.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await importer.WriteAsync($"{given} {family}", NpgsqlDbType.Varchar);
                await importer.WriteAsync(given, NpgsqlDbType.Varchar);
                await importer.WriteAsync(family, NpgsqlDbType.Varchar);
            }

            await importer.CompleteAsync();
        }

        // The imported ones' legacy identities, as the importer writes them.
        await using (var identities = new NpgsqlCommand("""
            INSERT INTO "UserIdentities" ("UserId", "Connection", "LegacyId", "Origin", "Email", "EmailVerified", "LinkedAt")
            SELECT "Id", 'legacy', "Id"::text, 'Imported', "Email", true, "MigratedAt" FROM "AspNetUsers" WHERE "MigratedAt" IS NOT NULL
            """, connection))
        {
            await identities.ExecuteNonQueryAsync();
        }

        await using var analyze = new NpgsqlCommand("""ANALYZE "AspNetUsers"; ANALYZE "UserIdentities" """, connection);
        await analyze.ExecuteNonQueryAsync();
    }

    private static async Task ExplainAsync(string connectionString, string name, string q)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // The statement the directory sends for a search page (EF Core's translation, parameters inlined).
        var sql = $"""
            EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
            SELECT * FROM "AspNetUsers" AS a
            WHERE a."SearchText" LIKE '%{q}%' ESCAPE '\'
            ORDER BY a."CreatedAt", a."Id" LIMIT 51
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        Console.WriteLine($"\nplan, {name} ('{q}'):");
        while (await reader.ReadAsync())
        {
            var line = reader.GetString(0);
            if (line.Contains("Scan", StringComparison.Ordinal) || line.Contains("Execution Time", StringComparison.Ordinal) || line.Contains("Sort", StringComparison.Ordinal))
            {
                Console.WriteLine("  " + line.Trim());
            }
        }
    }
}

internal static class Names
{
    public static readonly string[] Given = ["Ada", "Grace", "Alan", "Maria", "Kenji", "Amara", "Lucas", "Sofia", "Omar", "Ingrid", "Tariq", "Mei", "Pedro", "Anya", "Kofi", "Elena"];

    public static readonly string[] Family = ["Lovelace", "Hopper", "Turing", "Tanaka", "Okafor", "Silva", "Novak", "Haddad", "Larsen", "Moreau", "Kowalski", "Nguyen", "Fischer", "Rossi", "Mensah", "Iqbal", "Petrov", "Duarte", "Sato", "Byrne"];
}

/// <summary>The real server, configured as a deployment would be, with one machine client allowed to read users.</summary>
internal sealed class BenchServer(string connectionString) : WebApplicationFactory<Program>
{
    public const string ClientId = "bench";
    public const string ClientSecret = "bench-secret-not-for-production";
    public const string AdminEmail = "admin@bench.example";
    public const string AdminPassword = "bench admin password";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(ServerDirectory());
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Default", connectionString);
        builder.UseSetting("LazyMigrate:Issuer", "http://localhost/");
        builder.UseSetting("LazyMigrate:AllowHttp", "true");
        builder.UseSetting("LazyMigrate:Clients:0:ClientId", ClientId);
        builder.UseSetting("LazyMigrate:Clients:0:ClientSecret", ClientSecret);
        builder.UseSetting("LazyMigrate:Clients:0:Scopes:0", "read:users");
        builder.UseSetting("LazyMigrate:Admin:Email", AdminEmail);
        builder.UseSetting("LazyMigrate:Admin:Password", AdminPassword);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    private static string ServerDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LazyMigrate.sln")))
            {
                return Path.Combine(directory.FullName, "src", "LazyMigrate.Server");
            }
        }

        throw new InvalidOperationException("LazyMigrate.sln was not found above " + AppContext.BaseDirectory);
    }
}
