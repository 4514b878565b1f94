using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LazyMigrate.Server.BulkImport;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// An import's throughput and memory: ROWS users imported by the server's job runner into a fresh database, in process.
// A file (JSON Lines, Auth0's JSON array, CSV or FusionAuth's import body; MD5, salted SHA-256, bcrypt and no hash in
// turn where the format carries them) is streamed from disk into the job's chunks exactly as an upload is; a pull import
// pages through a scratch PostgreSQL legacy database with the demo's listUsers script in a sandbox worker, at a rate no
// lower than the database can take. Prints rows/s of the job (start to finish; for files also with the upload), the
// process's peak working set above its level before the import, the CPU time the import cost this process (its sandbox
// workers included) and the PostgreSQL backends of the store, and the load average when it ran (the machine is shared).
//   LAZYMIGRATE_BENCH_POSTGRES="Host=…;Username=…;Password=…;Database=postgres" \
//     dotnet run -c Release --project bench/LazyMigrate.ImportBench [-- ROWS [PAGE_SIZE]] [--format jsonl|json|csv|fusionauth|pull|export] [--warmup ROWS]
// --warmup imports that many other users first (a file of the same format; JSON Lines before a pull or an export), so
// the measured import runs on a server whose runtime has already compiled the import's code.
// --format export imports ROWS generated users into a scratch store first, gives a tenth of them a native hash, runs
// the product's export job there and measures the import of its file (JSON Lines in Auth0's shape with identities,
// metadata and custom_password_hash objects) into the fresh store, as a team moving between two servers would.
internal static class ImportBenchmark
{
    private static readonly string[] Formats = ["jsonl", "json", "csv", "fusionauth", "pull", "export"];
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task Main(string[] args)
    {
        var server = Environment.GetEnvironmentVariable("LAZYMIGRATE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set LAZYMIGRATE_BENCH_POSTGRES to a PostgreSQL connection string of a role that may create databases.");
        var format = "jsonl";
        var warmup = 0;
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--format" && i + 1 < args.Length)
            {
                format = args[++i];
            }
            else if (args[i] == "--warmup" && i + 1 < args.Length)
            {
                warmup = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        if (!Formats.Contains(format))
        {
            throw new ArgumentException($"--format is one of {string.Join(", ", Formats)}");
        }

        var pull = format == "pull";
        var rows = positional.Count > 0 ? int.Parse(positional[0], CultureInfo.InvariantCulture) : 100_000;
        var pageSize = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : ImportJobOptions.DefaultPageSize;
        var store = $"lazymigrate_bench_import_{Environment.ProcessId}";
        var legacy = $"lazymigrate_bench_legacy_{Environment.ProcessId}";
        var file = Path.Combine(Path.GetTempPath(), $"lazymigrate-bench-{Environment.ProcessId}.{format}");
        await ExecuteAsync(server, $"CREATE DATABASE \"{store}\"");
        try
        {
            string? legacyConnectionString = null;
            if (pull)
            {
                await ExecuteAsync(server, $"CREATE DATABASE \"{legacy}\"");
                legacyConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = legacy }.ConnectionString;
                await SeedLegacyAsync(legacyConnectionString, rows);
            }
            else if (format == "export")
            {
                await WriteExportAsync(server, file, rows);
            }
            else
            {
                await WriteFileAsync(file, format, rows, "bench");
            }

            var storeConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = store }.ConnectionString;
            await using var app = new BenchServer(storeConnectionString, legacyConnectionString);
            _ = app.Services;
            // The server keeps a sandbox worker warm whatever the import; it is started (a runtime and its JIT, seconds of
            // CPU) before the measurement, so only the import's own work is counted.
            await app.Services.GetRequiredService<LazyMigrate.Scripting.Workers.SandboxWorkerPool>().WarmUpAsync(1);
            if (warmup > 0)
            {
                // A first import of other users: what it costs the runtime to compile and tier up the import's code is paid
                // here, and the measured import shows a server that has imported before.
                var warmupFile = file + ".warmup";
                var warmupFormat = pull || format == "export" ? "jsonl" : format;
                await WriteFileAsync(warmupFile, warmupFormat, warmup, "warmup");
                try
                {
                    var warm = await WaitAsync(app, await StartAsync(app, warmupFormat, warmupFile, pageSize));
                    Console.WriteLine($"warm-up import of {warmup:N0} rows: {warm.State}, {warm.Processed / (warm.FinishedAt!.Value - warm.StartedAt!.Value).TotalSeconds:N0} rows/s");
                }
                finally
                {
                    File.Delete(warmupFile);
                }
            }

            var process = Process.GetCurrentProcess();
            GC.Collect();
            process.Refresh();
            var before = process.WorkingSet64;
            var peak = before;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    process.Refresh();
                    peak = Math.Max(peak, process.WorkingSet64);
                    await Task.Delay(50);
                }
            });

            var cpuBefore = Cpu.OfThisProcessAndChildren();
            var postgresBefore = await Cpu.OfBackendsAsync(server, store);
            var wall = Stopwatch.StartNew();
            var id = await StartAsync(app, format, file, pageSize);
            var uploaded = wall.Elapsed;
            var job = await WaitAsync(app, id);
            wall.Stop();
            var cpu = Cpu.OfThisProcessAndChildren() - cpuBefore;
            var postgres = Cpu.Since(postgresBefore, await Cpu.OfBackendsAsync(server, store));
            await sampling.CancelAsync();
            await sampler;
            var seconds = (job.FinishedAt!.Value - job.StartedAt!.Value).TotalSeconds;
            Console.WriteLine($"{format} import of {rows:N0} rows (page {pageSize:N0}): {job.State}, created {job.Created:N0}, refused {job.Refused:N0}{(job.Error is null ? "" : ", " + job.Error)}");
            Console.WriteLine($"  job:              {seconds:F1} s, {job.Processed / seconds:N0} rows/s");
            if (!pull)
            {
                Console.WriteLine($"  upload + job:     {wall.Elapsed.TotalSeconds:F1} s (upload {uploaded.TotalSeconds:F1} s), {job.Processed / wall.Elapsed.TotalSeconds:N0} rows/s");
            }

            Console.WriteLine($"  working set:      {before / 1048576.0:F0} MiB before, peak {peak / 1048576.0:F0} MiB, growth {(peak - before) / 1048576.0:F0} MiB");
            // CPU time does not depend on how many others share the cores: on an idle machine the job cannot be faster
            // than its busiest process allows, nor slower than both run one after the other.
            Console.WriteLine($"  CPU:              this process {cpu.TotalSeconds:F1} s{(pull ? " (sandbox workers included)" : "")}, PostgreSQL backends {postgres.TotalSeconds:F1} s "
                + $"({job.Processed / (cpu + postgres).TotalSeconds:N0} rows per CPU-second)");
            Console.WriteLine($"  load average:     {File.ReadAllText("/proc/loadavg").Trim()} ({Environment.ProcessorCount} cores)");
        }
        finally
        {
            File.Delete(file);
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{store}\" WITH (FORCE)");
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{legacy}\" WITH (FORCE)");
        }
    }

    /// <summary>Starts the import job: a pull through listUsers, or an upload of <paramref name="file"/> streamed from disk.</summary>
    private static async Task<Guid> StartAsync(BenchServer app, string format, string file, int pageSize)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var jobs = scope.ServiceProvider.GetRequiredService<ImportJobs>();
        ImportStart start;
        if (format == "pull")
        {
            start = await jobs.StartPullAsync(
                new ImportRequest { Connection = "legacy", Source = "listUsers", Rate = ImportJobOptions.MaxRate, PageSize = pageSize }, "bench", CancellationToken.None);
        }
        else
        {
            await using var stream = File.OpenRead(file);
            start = await jobs.StartUploadAsync(
                new ImportRequest { Connection = "legacy", Format = format switch { "json" => "auth0", "export" => "jsonl", _ => format }, PageSize = pageSize }, stream, "bench",
                _ => Task.FromResult<Dictionary<string, string[]>?>(null), CancellationToken.None);
        }

        return start is ImportStart.Started started ? started.Job.Id : throw new InvalidOperationException($"The import was refused: {start}");
    }

    /// <summary>
    /// The product's own export of ROWS users: imported from a generated JSON Lines file into a scratch store (every
    /// tenth then given a native hash, as users who signed in have), exported by the export job, its file copied to
    /// <paramref name="file"/>. The scratch store is dropped before the measured import begins.
    /// </summary>
    private static async Task WriteExportAsync(string server, string file, int rows)
    {
        var scratch = $"lazymigrate_bench_export_{Environment.ProcessId}";
        await ExecuteAsync(server, $"CREATE DATABASE \"{scratch}\"");
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = scratch }.ConnectionString;
            var source = file + ".source";
            await WriteFileAsync(source, "jsonl", rows, "bench");
            await using (var app = new BenchServer(connectionString, null))
            {
                try
                {
                    var imported = await WaitAsync(app, await StartAsync(app, "jsonl", source, ImportJobOptions.DefaultPageSize));
                    Console.WriteLine($"export source: {imported.Created:N0} users imported into the scratch store ({imported.State})");
                }
                finally
                {
                    File.Delete(source);
                }

                // A native hash as a sign-in leaves it (the server's own hasher and settings), exported as $pbkdf2-sha512$.
                var native = app.Services.GetRequiredService<Microsoft.AspNetCore.Identity.IPasswordHasher<User>>().HashPassword(new User(), "native sample password");
                await using (var connection = new NpgsqlConnection(connectionString))
                {
                    await connection.OpenAsync();
                    await using var update = new NpgsqlCommand("""
                        UPDATE "AspNetUsers" SET "PasswordHash" = @h WHERE abs(hashtext("Id"::text)) % 10 = 0
                        """, connection);
                    update.Parameters.AddWithValue("h", native);
                    Console.WriteLine($"export source: {await update.ExecuteNonQueryAsync():N0} users given a native hash");
                }

                await using var scope = app.Services.CreateAsyncScope();
                var exports = scope.ServiceProvider.GetRequiredService<LazyMigrate.Server.BulkExport.UserExports>();
                var started = await exports.StartAsync("bench", CancellationToken.None);
                var exported = await WaitAsync(app, started.Id);
                await using (var output = File.Create(file))
                {
                    await exports.CopyFileAsync(started.Id, output, CancellationToken.None);
                }

                Console.WriteLine($"export source: {exported.Processed:N0} users exported ({exported.State}), {new FileInfo(file).Length / 1048576.0:F1} MiB");
            }
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)");
        }
    }

    private static async Task<Job> WaitAsync(BenchServer app, Guid id)
    {
        while (true)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var job = await scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>().Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
            if (job.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
            {
                return job;
            }

            await Task.Delay(500);
        }
    }

    private static async Task WriteFileAsync(string file, string format, int rows, string tag)
    {
        // FusionAuth's samples carry bcrypt or nothing; the other formats every sample hash.
        var users = format == "fusionauth"
            ? SampleUserFiles.Users(rows, tag, SampleHash.Bcrypt, SampleHash.None)
            : SampleUserFiles.Users(rows, tag, SampleHash.Md5, SampleHash.Sha256, SampleHash.Bcrypt, SampleHash.None);
        // Written 10,000 users at a time: the bench's own copy of a whole file would stay in its heap and hide the import's growth.
        await using var writer = new StreamWriter(file);
        var chunks = users.Chunk(10_000).ToList();
        switch (format)
        {
            case "jsonl":
                foreach (var chunk in chunks)
                {
                    await writer.WriteAsync(SampleUserFiles.JsonLines(chunk));
                }

                break;
            case "csv":
                for (var i = 0; i < chunks.Count; i++)
                {
                    var csv = SampleUserFiles.Csv(chunks[i]);
                    await writer.WriteAsync(i == 0 ? csv : csv[(csv.IndexOf('\n') + 1)..]);
                }

                break;
            default:
                // Auth0's array, or FusionAuth's body: the same rows as the shared generator writes, one chunk's elements at a time.
                await writer.WriteAsync(format == "json" ? "[\n" : "{\n  \"validateDbConstraints\" : false,\n  \"users\" : [\n");
                for (var i = 0; i < chunks.Count; i++)
                {
                    var elements = format == "json"
                        ? chunks[i].Select(u => SampleUserFiles.Auth0(u).ToJsonString())
                        : JsonNode.Parse(SampleUserFiles.FusionAuth(chunks[i]))!["users"]!.AsArray().Select(u => u!.ToJsonString(Indented));
                    await writer.WriteAsync((i == 0 ? "" : ",\n") + string.Join(",\n", elements));
                }

                await writer.WriteAsync(format == "json" ? "\n]\n" : "\n  ]\n}\n");
                break;
        }
    }

    /// <summary>The demo's legacy users table, ROWS users with bcrypt (one shared cost-4 hash), salted SHA-256 and MD5 in turn.</summary>
    private static async Task SeedLegacyAsync(string connectionString, int rows)
    {
        var bcrypt = BCrypt.Net.BCrypt.HashPassword(SampleUserFiles.BcryptPassword, 4);
        await ExecuteAsync(connectionString, $"""
            CREATE TABLE users (
                id integer PRIMARY KEY, email text NOT NULL UNIQUE, username text NOT NULL UNIQUE, first_name text NOT NULL,
                last_name text NOT NULL, phone text, email_verified boolean NOT NULL DEFAULT false, hash_algorithm text NOT NULL,
                password_hash text NOT NULL, password_salt text, created_at timestamptz NOT NULL);
            INSERT INTO users
            SELECT i, 'user' || i || '@legacy.example', 'user' || i, 'Given' || i, 'Family', CASE WHEN i % 3 = 0 THEN '+1 555 01' || lpad((i % 100)::text, 2, '0') END,
                   i % 4 <> 0, (ARRAY['bcrypt', 'sha256', 'md5'])[1 + i % 3],
                   CASE i % 3 WHEN 0 THEN '{bcrypt}' WHEN 1 THEN encode(sha256(convert_to('salt' || i || 'pw-' || i, 'UTF8')), 'hex') ELSE md5('pw-' || i) END,
                   CASE WHEN i % 3 = 1 THEN 'salt' || i END, now()
            FROM generate_series(1, {rows}) AS i;
            ANALYZE users;
            """);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>CPU time of processes on this machine, from /proc (user + system, in clock ticks of 1/100 s).</summary>
internal static class Cpu
{
    private const double TicksPerSecond = 100;

    public static TimeSpan OfThisProcessAndChildren()
    {
        var self = Environment.ProcessId;
        var total = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var (pid, parent, ticks) in AllProcesses())
        {
            if (parent == self && pid != self)
            {
                total += TimeSpan.FromSeconds(ticks / TicksPerSecond);
            }
        }

        return total;
    }

    /// <summary>Each backend connected to <paramref name="database"/> (PostgreSQL on this machine), and its CPU so far.</summary>
    public static async Task<Dictionary<int, TimeSpan>> OfBackendsAsync(string server, string database)
    {
        var pids = new HashSet<int>();
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE datname = @d", connection);
            command.Parameters.AddWithValue("d", database);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                pids.Add(reader.GetInt32(0));
            }
        }

        return AllProcesses().Where(p => pids.Contains(p.Pid)).ToDictionary(p => p.Pid, p => TimeSpan.FromSeconds(p.Ticks / TicksPerSecond));
    }

    /// <summary>What the backends used between the two readings; a backend that started in between counts from zero.</summary>
    public static TimeSpan Since(Dictionary<int, TimeSpan> before, Dictionary<int, TimeSpan> after) =>
        after.Aggregate(TimeSpan.Zero, (sum, backend) => sum + backend.Value - before.GetValueOrDefault(backend.Key));

    private static IEnumerable<(int Pid, int Parent, long Ticks)> AllProcesses()
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // pid (comm) state ppid … utime stime: fields 4, 14 and 15, counted after the command's closing parenthesis.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            yield return (pid, int.Parse(fields[1], CultureInfo.InvariantCulture),
                long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture));
        }
    }
}

/// <summary>
/// The server in process, one connection, jobs polled often. A file import needs no legacy system (Disconnected, no
/// script runs); a pull import gets an Importing connection with the demo's scripts against the scratch legacy database.
/// </summary>
internal sealed class BenchServer(string connectionString, string? legacyConnectionString) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var root = RepositoryRoot();
        var scripts = Path.Combine(root, "demo", "legacy");
        builder.UseContentRoot(Path.Combine(root, "src", "LazyMigrate.Server"));
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Default", connectionString);
        builder.UseSetting("LazyMigrate:Issuer", "http://localhost/");
        builder.UseSetting("LazyMigrate:AllowHttp", "true");
        builder.UseSetting("LazyMigrate:Connections:0:Name", "legacy");
        if (legacyConnectionString is null)
        {
            builder.UseSetting("LazyMigrate:Connections:0:State", "Disconnected");
            builder.UseSetting("LazyMigrate:Connections:0:Database:Provider", "none");
        }
        else
        {
            builder.UseSetting("LazyMigrate:Connections:0:State", "Importing");
            builder.UseSetting("LazyMigrate:Connections:0:Database:Provider", "postgres");
            builder.UseSetting("LazyMigrate:Connections:0:Database:ConnectionString", legacyConnectionString);
            builder.UseSetting("LazyMigrate:Connections:0:Scripts:Login", Path.Combine(scripts, "login.js"));
            builder.UseSetting("LazyMigrate:Connections:0:Scripts:GetUser", Path.Combine(scripts, "getUser.js"));
            builder.UseSetting("LazyMigrate:Connections:0:Scripts:CountUsers", Path.Combine(scripts, "countUsers.js"));
            builder.UseSetting("LazyMigrate:Connections:0:Scripts:ListUsers", Path.Combine(scripts, "listUsers.js"));
            builder.UseSetting("LazyMigrate:Connections:0:Timeout", "00:00:30");
        }

        builder.UseSetting("LazyMigrate:Jobs:PollInterval", "00:00:00.200");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
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
