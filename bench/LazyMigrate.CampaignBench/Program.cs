using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Npgsql;

namespace LazyMigrate.CampaignBench;

// The whole migration campaign (issue 12): a legacy database of N users with mixed hash formats, 30 simulated days of
// Zipf-distributed sign-ins through the real login page (each one a lazy migration the first time), the dashboard's
// figures (the statistics API and the console page) against SQL truth every day, a pull import of the rest through
// the management API, the disconnect, and an audit of every user and a sample of sign-ins. bench/campaign/run.sh
// builds and runs it; see bench/README.md.
//   LAZYMIGRATE_BENCH_POSTGRES="Host=…;Username=…;Password=…" dotnet run -c Release --project bench/LazyMigrate.CampaignBench -- [--users 100000] [--days 30]
internal static class Program
{
    private const string Connection = "legacy";
    private const string MachineClient = "campaign-ops";
    private const string MachineSecret = "campaign-ops-secret-0123456789";
    private const string AdminEmail = "admin@campaign.example";
    private const string AdminPassword = "campaign admin password 0123";

    public static async Task<int> Main(string[] args)
    {
        var settings = CampaignSettings.Parse(args);
        var wall = Stopwatch.StartNew();
        var cluster = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("LAZYMIGRATE_BENCH_POSTGRES")
            ?? Environment.GetEnvironmentVariable("LAZYMIGRATE_TEST_POSTGRES")
            ?? throw new InvalidOperationException("Set LAZYMIGRATE_BENCH_POSTGRES to a PostgreSQL connection string of a role that may create databases."));
        cluster.Database ??= "postgres";
        var root = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("lazymigrate-campaign-").FullName;
        var screenshots = Path.Combine(root, "TestResults", "campaign");
        var suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var store = "lazymigrate_bench_campaign_" + suffix;
        var legacy = "lazymigrate_bench_campaign_legacy_" + suffix;
        var reimport = "lazymigrate_bench_campaign_reimport_" + suffix;
        var report = new CampaignReport(settings);
        report.Line($"campaign: {settings.Users:N0} legacy users, {settings.Days} days, peak {settings.PeakSignIns} sign-ins a day, {settings.Concurrency} concurrent; load average {LoadAverage()} ({Environment.ProcessorCount} cores)");

        await ExecuteAsync(cluster.ConnectionString, $"CREATE DATABASE \"{store}\"");
        await ExecuteAsync(cluster.ConnectionString, $"CREATE DATABASE \"{legacy}\"");
        ServerProcess? server = null;
        MemorySampler? memory = null;
        var failed = false;
        try
        {
            var storeConnection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = store, MaxPoolSize = 50 }.ConnectionString;
            var legacyConnection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = legacy }.ConnectionString;

            // 1. The legacy database.
            var seeding = Stopwatch.StartNew();
            var users = await LegacySeed.SeedAsync(legacyConnection, settings.Users);
            report.Line($"seeded {users.Length:N0} legacy users in {seeding.Elapsed.TotalSeconds:F1} s: " +
                string.Join(", ", users.GroupBy(u => u.Format).OrderBy(g => g.Key).Select(g => $"{LegacySeed.FormatName(g.Key)} {g.Count():N0}")));

            // 2. The server with the connection whose scripts read it.
            var url = new Uri($"http://127.0.0.1:{settings.Port}/");
            server = ServerProcess.Start(root, url, ServerEnvironment(root, storeConnection, legacyConnection), Path.Combine(work, "server.log"));
            memory = new MemorySampler(server.Id);
            await server.WaitReadyAsync(url);
            report.Line($"server ready (pid {server.Id}) after {wall.Elapsed.TotalSeconds:F0} s; logs in {work}");

            using var api = new ManagementApi(url, MachineClient, MachineSecret);
            using var console = new ConsoleDashboard(url, AdminEmail, AdminPassword);
            using var login = new LoginPage(url);
            await using var browser = await Screenshots.StartAsync(url, AdminEmail, AdminPassword, screenshots);
            var truth = new Store(storeConnection, Connection);
            report.Screenshot(await browser.TakeAsync("campaign-1-start"));

            // 3. The simulated days.
            var signedIn = new ConcurrentDictionary<int, bool>();
            // The popular users are a random choice (fixed seed), not the first ids: every format is among them.
            var random = new Random(34);
            var candidates = users.Where(u => u.Format != HashFormat.None).ToArray();
            random.Shuffle(candidates);
            var zipf = new Zipf(candidates.Length, settings.ZipfExponent);
            var mismatches = 0;
            var totalUnavailable = 0;
            for (var day = 1; day <= settings.Days; day++)
            {
                var dayClock = Stopwatch.StartNew();
                var count = (int)Math.Round(settings.PeakSignIns * (settings.FloorShare + ((1 - settings.FloorShare) * Math.Exp(-(day - 1) / 6.0))));
                var today = zipf.Distinct(count, random).Select(rank => candidates[rank]).ToArray();
                var firsts = 0;
                var refused = 0;
                var unavailable = 0;
                await Parallel.ForEachAsync(today, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency }, async (user, _) =>
                {
                    var (outcome, retries) = await login.SignInPatientlyAsync(user.Email, user.Password);
                    Interlocked.Add(ref unavailable, retries);
                    if (outcome == SignIn.SignedIn)
                    {
                        if (signedIn.TryAdd(user.Id, true))
                        {
                            Interlocked.Increment(ref firsts);
                        }
                    }
                    else
                    {
                        Interlocked.Increment(ref refused);
                    }
                });
                totalUnavailable += unavailable;
                var signInSeconds = dayClock.Elapsed.TotalSeconds;
                var expected = new Dashboard(signedIn.Count, signedIn.Count, 0, 0, 0, users.Length - signedIn.Count);
                var ok = await CompareAsync(report, $"day {day,2}", api, console, truth, users.Length, expected);
                mismatches += ok ? 0 : 1;
                report.Line($"day {day,2}: {today.Length,4} sign-ins ({firsts,4} first, {today.Length - firsts - refused,4} again, {refused} refused, {unavailable} answered try-again-later) in {signInSeconds,5:F1} s " +
                    $"({today.Length / signInSeconds,4:F1}/s); migrated {signedIn.Count:N0} ({100.0 * signedIn.Count / users.Length:F2}%); dashboard {(ok ? "= SQL = expected" : "MISMATCH")}; load {LoadAverage1()}");
                if (refused > 0)
                {
                    failed = true;
                }

                if (day == (settings.Days + 1) / 2)
                {
                    report.Screenshot(await browser.TakeAsync("campaign-2-mid"));
                }
            }

            // 4. The pull import of everyone else, then the disconnect.
            var before = memory.Now();
            var started = await api.StartPullImportAsync(Connection, settings.ImportRate, settings.PageSize);
            var job = await api.WaitJobAsync(started.GetProperty("id").GetString()!, "pull import");
            var counts = job.GetProperty("counts");
            var pullSeconds = (job.GetProperty("finishedAt").GetDateTimeOffset() - job.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds;
            var processed = counts.GetProperty("processed").GetInt64();
            report.Line($"pull import: {job.GetProperty("state").GetString()}, processed {processed:N0}, created {counts.GetProperty("created").GetInt64():N0}, " +
                $"skipped {counts.GetProperty("skipped").GetInt64():N0}, linked {counts.GetProperty("linked").GetInt64():N0}, refused {counts.GetProperty("refused").GetInt64():N0} " +
                $"in {pullSeconds:F1} s: {processed / pullSeconds:N0} rows/s (page {settings.PageSize:N0}, rate {settings.ImportRate:N0}/s); tree RSS {Mib(before.Rss)} before, {Mib(memory.Now().Rss)} after; load {LoadAverage()}");
            report.Figure("pull import", $"{processed / pullSeconds:N0} rows/s ({processed:N0} rows in {pullSeconds:F1} s)");
            var none = users.Count(u => u.Format == HashFormat.None);
            var bulk = users.Length - signedIn.Count;
            var afterImport = new Dashboard(users.Length, signedIn.Count, bulk, bulk - none, none, 0);
            mismatches += await CompareAsync(report, "after the import", api, console, truth, users.Length, afterImport) ? 0 : 1;
            report.Screenshot(await browser.TakeAsync("campaign-3-after-import"));

            var (neverMigrated, state) = await api.DisconnectAsync(Connection);
            report.Line($"disconnect: the unconfirmed request named {neverMigrated?.ToString("N0", CultureInfo.InvariantCulture) ?? "no count of"} legacy users never migrated; confirmed, the connection is {state}");
            var disconnected = await CompareAsync(report, "after the disconnect", api, console, truth, users.Length, afterImport);
            mismatches += disconnected ? 0 : 1;
            report.Screenshot(await browser.TakeAsync("campaign-4-after-disconnect"));
            report.Line($"  after the disconnect: dashboard {(disconnected ? "= SQL = expected" : "MISMATCH")}");
            report.Figure("sign-ins answered \"try again later\" during the days (then retried)", totalUnavailable.ToString(CultureInfo.InvariantCulture));
            if (neverMigrated != 0)
            {
                failed = true;
            }

            // 5. The audit.
            var audit = await Audit.RunAsync(report, users, signedIn.Keys.ToHashSet(), truth, login, settings);
            failed |= !audit;
            var afterSample = await api.StatsAsync();
            report.Line($"after the sample sign-ins: API {afterSample}");

            // 6. The file import: this store exported, then re-imported into a fresh database by a second server.
            if (settings.FileImport)
            {
                await ExecuteAsync(cluster.ConnectionString, $"CREATE DATABASE \"{reimport}\"");
                failed |= !await FileImportAsync(report, api, root, work, cluster, reimport, users, settings);
            }

            report.Line($"campaign {(mismatches == 0 && !failed ? "passed" : "FAILED")}: {mismatches} dashboard mismatches; wall time {wall.Elapsed.TotalMinutes:F1} min; load average {LoadAverage()}");
            report.Memory(memory);
            report.Figure("wall time", $"{wall.Elapsed.TotalMinutes:F1} min");
            report.Figure("load average at the end", LoadAverage());
            report.Print();
            return mismatches == 0 && !failed ? 0 : 1;
        }
        finally
        {
            if (memory is not null)
            {
                await memory.DisposeAsync();
            }

            server?.Dispose();
            NpgsqlConnection.ClearAllPools();
            if (!settings.Keep)
            {
                foreach (var database in new[] { store, legacy, reimport })
                {
                    await ExecuteAsync(cluster.ConnectionString, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
                }
            }

            report.Save(Path.Combine(work, "campaign.txt"));
            Console.Error.WriteLine($"logs in {work}");
        }
    }

    /// <summary>The statistics API and the console page against SQL truth and what the bench itself counted; prints any difference.</summary>
    private static async Task<bool> CompareAsync(CampaignReport report, string when, ManagementApi api, ConsoleDashboard console, Store store, long legacyTotal, Dashboard expected)
    {
        var fromApi = await api.StatsAsync();
        var fromConsole = await console.ReadAsync();
        var fromSql = await store.TruthAsync(legacyTotal);
        var ok = fromApi == fromSql && fromConsole == fromSql && fromSql == expected;
        if (!ok)
        {
            report.Line($"  {when} MISMATCH:\n    API      {fromApi}\n    console  {fromConsole}\n    SQL      {fromSql}\n    expected {expected}");
        }

        return ok;
    }

    private static async Task<bool> FileImportAsync(CampaignReport report, ManagementApi api, string root, string work, NpgsqlConnectionStringBuilder cluster,
        string database, LegacyUser[] users, CampaignSettings settings)
    {
        var export = await api.StartExportAsync();
        var exportId = export.GetProperty("id").GetString()!;
        var exported = await api.WaitJobAsync(exportId, "export");
        var file = Path.Combine(work, "export.jsonl");
        await api.DownloadAsync($"api/v1/jobs/{exportId}/file", file);
        var lines = File.ReadLines(file).Count(l => l.Length > 0);
        report.Line($"export: {exported.GetProperty("state").GetString()}, {lines:N0} users, {new FileInfo(file).Length / 1048576.0:F1} MiB");

        var url = new Uri($"http://127.0.0.1:{settings.Port + 1}/");
        var connection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = database, MaxPoolSize = 50 }.ConnectionString;
        var environment = new Dictionary<string, string>(ServerEnvironment(root, connection, null))
        {
            ["LazyMigrate__Admin__Email"] = "admin2@campaign.example",
        };
        using var second = ServerProcess.Start(root, url, environment, Path.Combine(work, "server-reimport.log"));
        await using var memory = new MemorySampler(second.Id);
        await second.WaitReadyAsync(url);
        using var api2 = new ManagementApi(url, MachineClient, MachineSecret);
        var before = memory.Now();
        var started = await api2.StartFileImportAsync(Connection, file);
        var job = await api2.WaitJobAsync(started.GetProperty("id").GetString()!, "file import");
        var counts = job.GetProperty("counts");
        var seconds = (job.GetProperty("finishedAt").GetDateTimeOffset() - job.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds;
        var processed = counts.GetProperty("processed").GetInt64();
        var created = counts.GetProperty("created").GetInt64();
        report.Line($"file import of the export into a fresh database: {job.GetProperty("state").GetString()}, processed {processed:N0}, created {created:N0}, " +
            $"refused {counts.GetProperty("refused").GetInt64():N0} in {seconds:F1} s: {processed / seconds:N0} rows/s; server tree RSS {Mib(before.Rss)} before, " +
            $"peak {Mib(memory.PeakTreeRss)} (growth {Mib(memory.PeakTreeRss - before.Rss)}); load {LoadAverage()}");
        report.Figure("file import (export → fresh database)", $"{processed / seconds:N0} rows/s ({processed:N0} rows in {seconds:F1} s), tree RSS growth {Mib(memory.PeakTreeRss - before.Rss)}");

        // A few of them sign in at the second server with their original passwords.
        using var login = new LoginPage(url);
        var sample = users.Where(u => u.Format != HashFormat.None).OrderBy(u => u.Id * 7919 % 1009).Take(20).ToArray();
        var accepted = 0;
        foreach (var user in sample)
        {
            accepted += (await login.SignInPatientlyAsync(user.Email, user.Password)).Outcome == SignIn.SignedIn ? 1 : 0;
        }

        report.Line($"  {accepted} of {sample.Length} re-imported users signed in at the second server with their original password");
        // The export holds every user of the store: the legacy ones and the administrator.
        return created == lines && accepted == sample.Length;
    }

    private static Dictionary<string, string> ServerEnvironment(string root, string store, string? legacy)
    {
        var scripts = Path.Combine(root, "bench", "LazyMigrate.CampaignBench", "scripts");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Default"] = store,
            ["LazyMigrate__Admin__Email"] = AdminEmail,
            ["LazyMigrate__Admin__Password"] = AdminPassword,
            ["LazyMigrate__Clients__0__ClientId"] = MachineClient,
            ["LazyMigrate__Clients__0__ClientSecret"] = MachineSecret,
            ["LazyMigrate__Clients__0__Scopes__0"] = "read:stats",
            ["LazyMigrate__Clients__0__Scopes__1"] = "read:connections",
            ["LazyMigrate__Clients__0__Scopes__2"] = "update:connections",
            ["LazyMigrate__Clients__0__Scopes__3"] = "import:users",
            ["LazyMigrate__Clients__0__Scopes__4"] = "export:users",
            ["LazyMigrate__Clients__0__Scopes__5"] = "read:users",
            ["LazyMigrate__Connections__0__Name"] = Connection,
            ["LazyMigrate__Connections__0__Timeout"] = "00:00:30",
            ["LazyMigrate__Jobs__PollInterval"] = "00:00:00.200",
        };
        if (legacy is null)
        {
            // The target of a file import: a connection with no legacy system behind it.
            environment["LazyMigrate__Connections__0__State"] = "Disconnected";
            environment["LazyMigrate__Connections__0__Database__Provider"] = "none";
        }
        else
        {
            environment["LazyMigrate__Connections__0__State"] = "Importing";
            environment["LazyMigrate__Connections__0__Database__Provider"] = "postgres";
            environment["LazyMigrate__Connections__0__Database__ConnectionString"] = legacy;
            foreach (var function in new[] { "Login", "GetUser", "CountUsers", "ListUsers" })
            {
                environment[$"LazyMigrate__Connections__0__Scripts__{function}"] = Path.Combine(scripts, char.ToLowerInvariant(function[0]) + function[1..] + ".js");
            }
        }

        return environment;
    }

    private static string Mib(long bytes) => $"{bytes / 1048576.0:F0} MiB";

    public static string LoadAverage() => string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

    private static string LoadAverage1() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
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
}

internal sealed record CampaignSettings(int Users, int Days, int PeakSignIns, double FloorShare, double ZipfExponent, int Concurrency, int Sample,
    int ImportRate, int PageSize, bool FileImport, bool Keep, int Port)
{
    public static CampaignSettings Parse(string[] args)
    {
        var settings = new CampaignSettings(100_000, 30, 100, 0.3, 1.0, 6, 2_000, 1_000_000, 1_000, true, false, 5970);
        for (var i = 0; i < args.Length; i++)
        {
            settings = args[i] switch
            {
                "--users" => settings with { Users = Int(args[++i]) },
                "--days" => settings with { Days = Int(args[++i]) },
                "--peak" => settings with { PeakSignIns = Int(args[++i]) },
                "--zipf" => settings with { ZipfExponent = double.Parse(args[++i], CultureInfo.InvariantCulture) },
                "--concurrency" => settings with { Concurrency = Int(args[++i]) },
                "--sample" => settings with { Sample = Int(args[++i]) },
                "--rate" => settings with { ImportRate = Int(args[++i]) },
                "--page-size" => settings with { PageSize = Int(args[++i]) },
                "--no-file-import" => settings with { FileImport = false },
                "--keep" => settings with { Keep = true },
                "--port" => settings with { Port = Int(args[++i]) },
                _ => throw new ArgumentException($"unknown argument {args[i]}: --users N, --days N, --peak N (sign-ins on day 1), --zipf S, --concurrency N, " +
                    "--sample N, --rate N, --page-size N, --no-file-import, --keep (the databases), --port N"),
            };
        }

        return settings;
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}

/// <summary>Ranks 0..n-1 with probability proportional to 1/(rank+1)^s: a few users sign in often, most rarely.</summary>
internal sealed class Zipf
{
    private readonly double[] _cumulative;

    public Zipf(int n, double exponent)
    {
        _cumulative = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, exponent);
            _cumulative[i] = sum;
        }

        for (var i = 0; i < n; i++)
        {
            _cumulative[i] /= sum;
        }
    }

    /// <summary><paramref name="count"/> distinct ranks (a person signs in at most once a simulated day).</summary>
    public IReadOnlyCollection<int> Distinct(int count, Random random)
    {
        var ranks = new HashSet<int>();
        count = Math.Min(count, _cumulative.Length);
        for (var tries = 0; ranks.Count < count && tries < count * 1000; tries++)
        {
            var index = Array.BinarySearch(_cumulative, random.NextDouble());
            ranks.Add(index < 0 ? Math.Min(~index, _cumulative.Length - 1) : index);
        }

        return ranks;
    }
}
