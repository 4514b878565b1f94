using System.Diagnostics;
using System.Globalization;
using LazyMigrate.Server.BulkImport;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// A file import's throughput and memory: a JSON Lines file of ROWS users (MD5, salted SHA-256, bcrypt and no hash in
// turn, as Auth0's custom_password_hash / password_hash) imported by the server's job runner into a fresh database,
// in process, the file streamed from disk into the job's chunks exactly as an upload is. Prints rows/s of the job
// (start to finish, the upload not counted, and with it), the process's peak working set above its level before
// the import, and the load average when it ran (the machine is shared).
//   LAZYMIGRATE_BENCH_POSTGRES="Host=…;Username=…;Password=…" dotnet run -c Release --project bench/LazyMigrate.ImportBench [-- ROWS [PAGE_SIZE]]
internal static class ImportBenchmark
{
    public static async Task Main(string[] args)
    {
        var server = Environment.GetEnvironmentVariable("LAZYMIGRATE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set LAZYMIGRATE_BENCH_POSTGRES to a PostgreSQL connection string of a role that may create databases.");
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var pageSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : ImportJobOptions.DefaultPageSize;
        var store = $"lazymigrate_bench_import_{Environment.ProcessId}";
        var file = Path.Combine(Path.GetTempPath(), $"lazymigrate-bench-{Environment.ProcessId}.jsonl");
        await ExecuteAsync(server, $"CREATE DATABASE \"{store}\"");
        try
        {
            var users = SampleUserFiles.Users(rows, "bench", SampleHash.Md5, SampleHash.Sha256, SampleHash.Bcrypt, SampleHash.None);
            await using (var writer = new StreamWriter(file))
            {
                foreach (var chunk in users.Chunk(10_000))
                {
                    await writer.WriteAsync(SampleUserFiles.JsonLines(chunk));
                }
            }

            await using var app = new BenchServer(new NpgsqlConnectionStringBuilder(server) { Database = store }.ConnectionString);
            _ = app.Services;
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

            var wall = Stopwatch.StartNew();
            Guid id;
            await using (var scope = app.Services.CreateAsyncScope())
            await using (var stream = File.OpenRead(file))
            {
                var start = await scope.ServiceProvider.GetRequiredService<ImportJobs>().StartUploadAsync(
                    new ImportRequest { Connection = "legacy", Format = "jsonl", PageSize = pageSize }, stream, "bench",
                    _ => Task.FromResult<Dictionary<string, string[]>?>(null), CancellationToken.None);
                id = start is ImportStart.Started started ? started.Job.Id : throw new InvalidOperationException($"The import was refused: {start}");
            }

            var uploaded = wall.Elapsed;
            Job job;
            while (true)
            {
                await using var scope = app.Services.CreateAsyncScope();
                job = await scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>().Jobs.AsNoTracking().SingleAsync(j => j.Id == id);
                if (job.State is JobState.Completed or JobState.Failed or JobState.Cancelled)
                {
                    break;
                }

                await Task.Delay(100);
            }

            wall.Stop();
            await sampling.CancelAsync();
            await sampler;
            var seconds = (job.FinishedAt!.Value - job.StartedAt!.Value).TotalSeconds;
            Console.WriteLine($"file import of {rows:N0} rows (page {pageSize:N0}): {job.State}, created {job.Created:N0}, refused {job.Refused:N0}");
            Console.WriteLine($"  job:              {seconds:F1} s, {job.Processed / seconds:N0} rows/s");
            Console.WriteLine($"  upload + job:     {wall.Elapsed.TotalSeconds:F1} s (upload {uploaded.TotalSeconds:F1} s), {job.Processed / wall.Elapsed.TotalSeconds:N0} rows/s");
            Console.WriteLine($"  working set:      {before / 1048576.0:F0} MiB before, peak {peak / 1048576.0:F0} MiB, growth {(peak - before) / 1048576.0:F0} MiB");
            Console.WriteLine($"  load average:     {File.ReadAllText("/proc/loadavg").Trim()} ({Environment.ProcessorCount} cores)");
        }
        finally
        {
            File.Delete(file);
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{store}\" WITH (FORCE)");
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>The server in process, one connection with no legacy system (the file is the source), jobs polled often.</summary>
internal sealed class BenchServer(string connectionString) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(Path.Combine(RepositoryRoot(), "src", "LazyMigrate.Server"));
        builder.UseEnvironment("Production");
        builder.UseSetting("ConnectionStrings:Default", connectionString);
        builder.UseSetting("LazyMigrate:Issuer", "http://localhost/");
        builder.UseSetting("LazyMigrate:AllowHttp", "true");
        builder.UseSetting("LazyMigrate:Connections:0:Name", "legacy");
        // Disconnected: no script runs; a file import into it works all the same.
        builder.UseSetting("LazyMigrate:Connections:0:State", "Disconnected");
        builder.UseSetting("LazyMigrate:Connections:0:Database:Provider", "none");
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
