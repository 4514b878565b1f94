using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LazyMigrate.LoadBench;

// The load bench (issue 15): our server (Release, its own process, a scratch PostgreSQL database) and the peer
// (../shared/peer, node oidc-provider) driven by the same generator, wrk, and one table of ratios against references
// measured in the same run. bench/load/run.sh builds and runs it; see bench/README.md.
//   LAZYMIGRATE_BENCH_POSTGRES="Host=…;Username=…;Password=…" dotnet bench/LazyMigrate.LoadBench/bin/Release/net10.0/LazyMigrate.LoadBench.dll
//     [--duration 15] [--warmup 5] [--no-peer] [--first-sign-ins-only] [--hash pbkdf2|argon2id]
internal static partial class Program
{
    private const string Password = "bench password 0123";
    private const string MachineClient = "acc-ops";
    private const string MachineSecret = "acc-ops-secret-0123456789";
    private const string MachineScope = "read:users";
    private const string SpaClient = "acc-spa";
    private const string SpaRedirect = "http://127.0.0.1:5991/cb";
    private const int Connections = 16;
    private const int SignInConnections = 8;
    private const int MigratedUsers = 500;
    private const int MaxWarmUpSlices = 4;

    public static async Task<int> Main(string[] args)
    {
        var settings = BenchSettings.Parse(args);
        var cluster = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("LAZYMIGRATE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set LAZYMIGRATE_BENCH_POSTGRES to a PostgreSQL connection string of a role that may create databases."));
        cluster.Database ??= "postgres";
        var postgres = cluster.ConnectionString;
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("lazymigrate-load-").FullName;
        var store = $"lazymigrate_bench_load_{Environment.ProcessId}";
        var legacy = $"lazymigrate_bench_load_legacy_{Environment.ProcessId}";
        var report = new Report(settings);
        report.Note($"load average at start: {LoadAverage()}");

        await ExecuteAsync(postgres, $"CREATE DATABASE \"{store}\"");
        await ExecuteAsync(postgres, $"CREATE DATABASE \"{legacy}\"");
        ChildProcess? server = null, peer = null;
        try
        {
            var storeConnection = new NpgsqlConnectionStringBuilder(postgres) { Database = store, MaxPoolSize = 100 }.ConnectionString;
            var legacyConnection = new NpgsqlConnectionStringBuilder(postgres) { Database = legacy }.ConnectionString;
            var legacyUsers = await SeedLegacyAsync(legacyConnection, settings.LegacyUsers);

            var ours = new Uri($"http://127.0.0.1:{settings.Port}/");
            server = StartServer(root, work, ours, storeConnection, legacyConnection, settings);
            await WaitReadyAsync(new Uri(ours, "health/ready"), server);
            var hash = NativeHash.For(settings.Hash);
            var migrated = await SeedMigratedUsersAsync(storeConnection, hash);
            Console.Error.WriteLine($"server ready: {server}; {migrated.Length} migrated users, {legacyUsers.Length} legacy users");

            // Idle: after start-up and seeding, before any load (sandbox workers start at the first sign-in page or script
            // call, unless WarmOnStart). 15 s: the server gives start-up's memory back once a 5 s interval passes quietly
            // (IdleMemoryRelease), and a reading before that measured whether it had happened yet.
            await Task.Delay(TimeSpan.FromSeconds(15));
            var idle = ProcessTree.ResidentBytes(server.Id);
            report.Note("server idle, resident memory by kind: " + ProcessTree.ResidentKinds(server.Id));

            var peerUrl = new Uri($"http://127.0.0.1:{settings.PeerPort}/");
            if (settings.Peer && !settings.FirstSignInsOnly)
            {
                peer = StartPeer(root, work, settings.PeerPort);
                await WaitReadyAsync(new Uri(peerUrl, ".well-known/openid-configuration"), peer);
            }

            var wrk = new Wrk(Path.Combine(root, "bench", "load"));
            using var flows = new Flows(ours, SpaClient, SpaRedirect, Password);
            await flows.SignInAsync(migrated[0]);
            var ccEnvironment = new Dictionary<string, string>
            {
                ["CC_BASIC"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{MachineClient}:{MachineSecret}")),
                ["CC_SCOPE"] = MachineScope,
            };

            // PostgreSQL round trips per request kind, read from the server's count (LazyMigrate:Bench:CountDatabaseCommands).
            report.RoundTrips("client-credentials grant", await Flows.CountCommandsAsync(() => flows.ClientCredentialsAsync(MachineClient, MachineSecret, MachineScope)));
            report.RoundTrips("authorization request (signed in)", await Flows.CountCommandsAsync(flows.AuthorizeCountedAsync));
            report.RoundTrips("authorization-code exchange", await Flows.CountCommandsAsync(flows.ExchangeCountedAsync));
            report.RoundTrips("refresh grant", await Flows.CountCommandsAsync(flows.RefreshCountedAsync));
            report.RoundTrips("userinfo", await Flows.CountCommandsAsync(flows.UserInfoCountedAsync));
            report.RoundTrips("sign-in, migrated user", await Flows.CountCommandsAsync(() => flows.LoginCountedAsync(migrated[1 + Random.Shared.Next(migrated.Length - 1)])));
            var firstSignIns = new Queue<string>(legacyUsers);
            report.RoundTrips("first sign-in with import", await Flows.CountCommandsAsync(() => flows.LoginCountedAsync(firstSignIns.Dequeue())));
            var (cookie, token) = await flows.LoginFormAsync();
            var loginEnvironment = new Dictionary<string, string>
            {
                ["LOGIN_COOKIE"] = cookie,
                ["LOGIN_TOKEN"] = token,
                ["LOGIN_PASSWORD"] = Password,
            };
            if (!settings.FirstSignInsOnly)
            {
                await MeasureAllButFirstSignInsAsync(report, settings, wrk, flows, ours, peerUrl, root, work, storeConnection, legacyConnection,
                    ccEnvironment, loginEnvironment, migrated, server);
            }

            // First sign-ins: each legacy user once (the sign-in imports them), against the bound of the legacy
            // verification (bcrypt cost 10, as the legacy script does) plus hashing the password natively.
            await ClearThrottleAsync(storeConnection);
            // The warm-up goes on, slice by slice, until a slice starts no sandbox worker: the pool grows to what the
            // load needs, and a start (seconds of CPU) is a one-off that does not belong in a steady state's figure.
            var remaining = firstSignIns.ToArray();
            var warmCount = Math.Min(remaining.Length / 8, settings.Warmup * 40);
            loginEnvironment["USERS_ONCE"] = "1";
            for (var slice = 0; slice < MaxWarmUpSlices; slice++)
            {
                loginEnvironment["USERS_FILE"] = await WriteLinesAsync(work, $"legacy-warm-{slice}.txt", remaining[..warmCount]);
                remaining = remaining[warmCount..];
                var before = ProcessTree.Cpu(server.Id);
                await wrk.RunAsync("login.lua", new Uri(ours, "Account/Login"), SignInConnections, settings.Warmup, loginEnvironment);
                var started = ProcessTree.Cpu(server.Id).WorkersStartedSince(before);
                Console.Error.WriteLine($"first sign-ins, warm-up slice {slice + 1}: {started} sandbox workers started");
                if (started == 0)
                {
                    break;
                }
            }

            await ClearThrottleAsync(storeConnection);
            loginEnvironment["USERS_FILE"] = await WriteLinesAsync(work, "legacy.txt", remaining);
            var importsCpu = ProcessTree.Cpu(server.Id);
            var imports = await wrk.RunAsync("login.lua", new Uri(ours, "Account/Login"), SignInConnections, settings.Duration, loginEnvironment);
            report.Note("first sign-ins with import: " + ProcessTree.Cpu(server.Id).Since(importsCpu, imports.Count(302)));
            report.Row("first sign-ins with import/s (form, 8 concurrent)", imports.Rate(302),
                imports.ToString() + (imports.Count(302) >= remaining.Length ? " (ran out of legacy users: a lower bound)" : ""));
            var bound = await HashReference.LegacyThenNativeAsync(hash, Password, SignInConnections, settings);
            report.Reference("first sign-ins with import/s (form, 8 concurrent)", "bcrypt-10 verify + native hash", bound.PerSecond, bound.ToString());

            var loaded = ProcessTree.ResidentBytes(server.Id);
            await Task.Delay(TimeSpan.FromSeconds(Report.SettleSeconds));
            report.Memory(idle, loaded, ProcessTree.ResidentBytes(server.Id));
            report.Note($"load average at end: {LoadAverage()}");
            report.Print();
            return 0;
        }
        finally
        {
            peer?.Dispose();
            server?.Dispose();
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(postgres, $"DROP DATABASE IF EXISTS \"{store}\" WITH (FORCE)");
            await ExecuteAsync(postgres, $"DROP DATABASE IF EXISTS \"{legacy}\" WITH (FORCE)");
            Console.Error.WriteLine($"logs in {work}");
        }
    }

    /// <summary>A warm-up run (JIT, pools, caches), then the measured one with the same parameters.</summary>
    private static async Task<WrkResult> MeasureAsync(Wrk wrk, BenchSettings settings, string script, Uri url, int connections, IReadOnlyDictionary<string, string> environment)
    {
        await wrk.RunAsync(script, url, connections, settings.Warmup, environment);
        return await wrk.RunAsync(script, url, connections, settings.Duration, environment);
    }

    /// <summary>Warm-up of both, then three slices of a third of the duration each, alternating: A B A B A B.</summary>
    private static async Task<(WrkResult A, WrkResult B)> InterleavedAsync(Wrk wrk, BenchSettings settings, string script, Uri a, Uri b, int connections,
        IReadOnlyDictionary<string, string> environment)
    {
        await wrk.RunAsync(script, a, connections, settings.Warmup, environment);
        await wrk.RunAsync(script, b, connections, settings.Warmup, environment);
        var slice = Math.Max(1, settings.Duration / 3);
        var resultsA = new List<WrkResult>();
        var resultsB = new List<WrkResult>();
        for (var i = 0; i < 3; i++)
        {
            resultsA.Add(await wrk.RunAsync(script, a, connections, slice, environment));
            resultsB.Add(await wrk.RunAsync(script, b, connections, slice, environment));
        }

        return (WrkResult.Sum(resultsA), WrkResult.Sum(resultsB));
    }

    /// <summary>Every measure but the first sign-ins: the grants against the peer, token rows, code and refresh grants, userinfo, migrated sign-ins and the hashes alone.</summary>
    private static async Task MeasureAllButFirstSignInsAsync(Report report, BenchSettings settings, Wrk wrk, Flows flows, Uri ours, Uri peerUrl,
        string root, string work, string storeConnection, string legacyConnection, Dictionary<string, string> ccEnvironment,
        Dictionary<string, string> loginEnvironment, string[] migrated, ChildProcess server)
    {
        // Client-credentials grants, ours and the peer's, then ours with the other choice for token rows
        // (LazyMigrate:StoreClientCredentialsTokens=true, a second server over the same database). Each pair is
        // measured in alternating slices, so a change in the machine's load falls on both sides of a ratio alike.
        var ccUrl = new Uri(ours, "connect/token");
        if (settings.Peer)
        {
            var (cc, peerCc) = await InterleavedAsync(wrk, settings, "cc.lua", ccUrl, new Uri(peerUrl, "token"), Connections, ccEnvironment);
            report.Row("client-credentials grants/s", cc.Rate(200), cc.ToString());
            report.Reference("client-credentials grants/s", "peer", peerCc.Rate(200), peerCc.ToString());
        }
        else
        {
            var cc = await MeasureAsync(wrk, settings, "cc.lua", ccUrl, Connections, ccEnvironment);
            report.Row("client-credentials grants/s", cc.Rate(200), cc.ToString());
        }

        {
            var other = new Uri($"http://127.0.0.1:{settings.Port + 1}/");
            using var withRowsServer = StartServer(root, work, other, storeConnection, legacyConnection, settings,
                new Dictionary<string, string> { ["LazyMigrate__StoreClientCredentialsTokens"] = "true" }, "server-rows.log");
            await WaitReadyAsync(new Uri(other, "health/ready"), withRowsServer);
            using var otherFlows = new Flows(other, SpaClient, SpaRedirect, Password);
            report.RoundTrips("client-credentials grant, with a token row", await Flows.CountCommandsAsync(() => otherFlows.ClientCredentialsAsync(MachineClient, MachineSecret, MachineScope)));
            var (withRows, rowless) = await InterleavedAsync(wrk, settings, "cc.lua", new Uri(other, "connect/token"), ccUrl, Connections, ccEnvironment);
            report.Row("client-credentials grants/s, with token rows", withRows.Rate(200), withRows.ToString());
            report.Reference("client-credentials grants/s, with token rows", "without (the default)", rowless.Rate(200), rowless.ToString());
        }

        // Authorization-code exchanges: codes are single-use, so enough for warm-up and the run are made first,
        // through the signed-in session (no password hash in the loop), the run's count from the warm-up's rate.
        var warmCodes = await flows.CodesAsync(Math.Max(200, settings.Warmup * 150), Connections);
        var codeEnvironment = new Dictionary<string, string>
        {
            ["CLIENT_ID"] = SpaClient,
            ["REDIRECT_URI"] = Uri.EscapeDataString(SpaRedirect),
            ["CODE_VERIFIER"] = flows.CodeVerifier,
            ["CODES_FILE"] = await WriteLinesAsync(work, "codes-warm.txt", warmCodes),
        };
        var warmExchange = await wrk.RunAsync("code.lua", new Uri(ours, "connect/token"), Connections, settings.Warmup, codeEnvironment);
        var codesNeeded = (int)Math.Max(500, warmExchange.Rate(200) * settings.Duration * 1.5);
        codeEnvironment["CODES_FILE"] = await WriteLinesAsync(work, "codes.txt", await flows.CodesAsync(codesNeeded, Connections));
        var exchange = await wrk.RunAsync("code.lua", new Uri(ours, "connect/token"), Connections, settings.Duration, codeEnvironment);
        report.Row("authorization-code exchanges/s", exchange.Rate(200),
            exchange.ToString() + (exchange.Count(200) >= codesNeeded ? " (ran out of codes: a lower bound)" : ""));

        // Refresh grants: each answer's new refresh token is the thread's next one (rotation, reuse detection on).
        var refreshTokens = await flows.RefreshTokensAsync(4 * Connections, Connections);
        var refreshEnvironment = new Dictionary<string, string>
        {
            ["CLIENT_ID"] = SpaClient,
            ["REFRESH_FILE"] = await WriteLinesAsync(work, "refresh-warm.txt", refreshTokens[..(2 * Connections)]),
        };
        await wrk.RunAsync("refresh.lua", new Uri(ours, "connect/token"), Connections, settings.Warmup, refreshEnvironment);
        refreshEnvironment["REFRESH_FILE"] = await WriteLinesAsync(work, "refresh.txt", refreshTokens[(2 * Connections)..]);
        var refresh = await wrk.RunAsync("refresh.lua", new Uri(ours, "connect/token"), Connections, settings.Duration, refreshEnvironment);
        report.Row("refresh grants/s", refresh.Rate(200), refresh.ToString());

        var userinfo = await MeasureAsync(wrk, settings, "userinfo.lua", new Uri(ours, "connect/userinfo"), Connections,
            new Dictionary<string, string> { ["ACCESS_TOKEN"] = await flows.AccessTokenAsync() });
        report.Row("userinfo/s", userinfo.Rate(200), userinfo.ToString());

        // Sign-ins of migrated users through the form, and the native hash alone on all cores with the same
        // concurrency and duration, in this process (the server idles meanwhile).
        await ClearThrottleAsync(storeConnection);
        loginEnvironment["USERS_FILE"] = await WriteLinesAsync(work, "migrated.txt", migrated[2..]);
        await wrk.RunAsync("login.lua", new Uri(ours, "Account/Login"), SignInConnections, settings.Warmup, loginEnvironment);
        var signInsCpu = ProcessTree.Cpu(server.Id);
        var signIns = await wrk.RunAsync("login.lua", new Uri(ours, "Account/Login"), SignInConnections, settings.Duration, loginEnvironment);
        report.Note("sign-ins of migrated users: " + ProcessTree.Cpu(server.Id).Since(signInsCpu, signIns.Count(302)));
        report.Row("sign-ins of migrated users/s (form, 8 concurrent)", signIns.Rate(302), signIns.ToString());
        foreach (var algorithm in NativeHash.All)
        {
            var alone = await HashReference.NativeVerifyAsync(NativeHash.For(algorithm), Password, SignInConnections, settings);
            report.Reference("sign-ins of migrated users/s (form, 8 concurrent)", $"{algorithm} verify alone", alone.PerSecond, alone.ToString(),
                isBase: algorithm == settings.Hash);
        }

        var managed = await HashReference.ManagedArgon2idAsync(Password, SignInConnections, settings);
        report.Reference("sign-ins of migrated users/s (form, 8 concurrent)", "argon2id in managed code (Konscious) alone", managed.PerSecond, managed.ToString(), isBase: false);
    }

    private static ChildProcess StartServer(string root, string work, Uri url, string store, string legacy, BenchSettings settings,
        IReadOnlyDictionary<string, string>? extra = null, string log = "server.log")
    {
        var project = Path.Combine(root, "src", "LazyMigrate.Server");
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "LazyMigrate.Server.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build in Release first (bench/load/run.sh does).");
        }

        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = project };
        start.ArgumentList.Add(dll);
        var scripts = Path.Combine(root, "demo", "legacy");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = url.AbsoluteUri.TrimEnd('/'),
            ["ConnectionStrings__Default"] = store,
            ["LazyMigrate__Issuer"] = url.AbsoluteUri.TrimEnd('/'),
            ["LazyMigrate__AllowHttp"] = "true",
            ["LazyMigrate__Bench__CountDatabaseCommands"] = "true",
            ["LazyMigrate__PasswordHashAlgorithm"] = settings.Hash,
            ["LazyMigrate__Clients__0__ClientId"] = MachineClient,
            ["LazyMigrate__Clients__0__ClientSecret"] = MachineSecret,
            ["LazyMigrate__Clients__0__Scopes__0"] = MachineScope,
            ["LazyMigrate__Clients__0__Scopes__1"] = "read:stats",
            ["LazyMigrate__Clients__1__ClientId"] = SpaClient,
            ["LazyMigrate__Clients__1__RedirectUris__0"] = SpaRedirect,
            ["LazyMigrate__Connections__0__Name"] = "legacy",
            ["LazyMigrate__Connections__0__State"] = "Importing",
            ["LazyMigrate__Connections__0__Database__Provider"] = "postgres",
            ["LazyMigrate__Connections__0__Database__ConnectionString"] = legacy,
            ["LazyMigrate__Connections__0__Scripts__Login"] = Path.Combine(scripts, "login.js"),
            ["LazyMigrate__Connections__0__Scripts__GetUser"] = Path.Combine(scripts, "getUser.js"),
            ["LazyMigrate__Connections__0__Timeout"] = "00:00:30",
            ["Serilog__MinimumLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in environment.Concat(extra ?? new Dictionary<string, string>()))
        {
            start.Environment[key] = value;
        }

        return ChildProcess.Start("LazyMigrate server", start, Path.Combine(work, log));
    }

    private static ChildProcess StartPeer(string root, string work, int port)
    {
        var directory = Path.GetFullPath(Path.Combine(root, "..", "shared", "peer"));
        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
        {
            throw new InvalidOperationException($"The peer's packages are missing: run 'npm ci' in {directory} (bench/load/run.sh does), or pass --no-peer.");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = directory };
        start.ArgumentList.Add("peer-op.mjs");
        start.Environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        return ChildProcess.Start("peer", start, Path.Combine(work, "peer.log"));
    }

    private static async Task WaitReadyAsync(Uri url, ChildProcess process)
    {
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process} exited during start-up: see its log.");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{process} did not answer {url} within 3 minutes.");
    }

    /// <summary>Legacy users for first sign-ins, all with one bcrypt (cost 10) hash of the bench password: seeding stays quick.</summary>
    private static async Task<string[]> SeedLegacyAsync(string connection, int count)
    {
        await ExecuteAsync(connection, $"""
            CREATE EXTENSION IF NOT EXISTS pgcrypto;
            CREATE TABLE users (
                id integer PRIMARY KEY, email text NOT NULL UNIQUE, username text NOT NULL UNIQUE,
                first_name text NOT NULL, last_name text NOT NULL, phone text, email_verified boolean NOT NULL DEFAULT false,
                hash_algorithm text NOT NULL, password_hash text NOT NULL, password_salt text);
            CREATE INDEX users_lower_email ON users (lower(email));
            CREATE INDEX users_lower_username ON users (lower(username));
            WITH h AS (SELECT crypt('{Password}', gen_salt('bf', 10)) AS hash)
            INSERT INTO users (id, email, username, first_name, last_name, email_verified, hash_algorithm, password_hash)
            SELECT i, 'legacy' || i || '@legacy.example', 'legacy' || i, 'Grace', 'Hopper', true, 'bcrypt', h.hash
            FROM generate_series(1, {count}) AS i, h;
            ANALYZE users;
            """);
        return [.. Enumerable.Range(1, count).Select(i => $"legacy{i}@legacy.example")];
    }

    /// <summary>Users already migrated: a native hash (one computed, shared: seeding stays quick) at the configured algorithm.</summary>
    private static async Task<string[]> SeedMigratedUsersAsync(string connection, IPasswordHasher<User> hasher)
    {
        var hash = hasher.HashPassword(new User(), Password);
        await using var db = new LazyMigrateDbContext(new DbContextOptionsBuilder<LazyMigrateDbContext>().UseNpgsql(connection).UseOpenIddict().Options);
        var now = DateTimeOffset.UtcNow;
        var emails = new string[MigratedUsers];
        for (var i = 0; i < MigratedUsers; i++)
        {
            emails[i] = $"user{i}@bench.example";
            db.Users.Add(new User
            {
                Id = Guid.CreateVersion7(),
                UserName = emails[i],
                NormalizedUserName = emails[i].ToUpperInvariant(),
                Email = emails[i],
                NormalizedEmail = emails[i].ToUpperInvariant(),
                EmailConfirmed = true,
                PasswordHash = hash,
                SecurityStamp = Guid.NewGuid().ToString("N"),
                ConcurrencyStamp = Guid.NewGuid().ToString(),
                LockoutEnabled = true,
                CreatedAt = now,
                MigratedAt = now,
            });
        }

        await db.SaveChangesAsync();
        return emails;
    }

    private static Task ClearThrottleAsync(string connection) => ExecuteAsync(connection, "DELETE FROM \"LoginThrottleCounters\"");

    private static async Task<string> WriteLinesAsync(string directory, string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(directory, name);
        await File.WriteAllLinesAsync(path, lines);
        return path;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Trim();

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
}

internal sealed record BenchSettings(int Duration, int Warmup, bool Peer, string Hash, int Port, int PeerPort, int LegacyUsers, bool FirstSignInsOnly = false)
{
    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings(15, 5, true, NativeHash.Pbkdf2, 5980, 5990, 20_000);
        for (var i = 0; i < args.Length; i++)
        {
            settings = args[i] switch
            {
                "--duration" => settings with { Duration = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--warmup" => settings with { Warmup = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--no-peer" => settings with { Peer = false },
                "--first-sign-ins-only" => settings with { FirstSignInsOnly = true },
                "--hash" => settings with { Hash = args[++i] },
                "--port" => settings with { Port = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--peer-port" => settings with { PeerPort = int.Parse(args[++i], CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown argument {args[i]}: --duration S, --warmup S, --no-peer, --first-sign-ins-only, --hash pbkdf2|argon2id, --port N, --peer-port N"),
            };
        }

        return settings;
    }
}
