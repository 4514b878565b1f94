using System.Diagnostics;
using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Workers;
using Microsoft.Data.Sqlite;

namespace LazyMigrate.Benchmarks;

/// <summary>
/// What the sandbox process costs a native login: the same script (one db.query against a local SQLite legacy
/// database, one salted SHA-256 verify, a log line, a profile) in process and through the worker pool, measured
/// alternately in one run. The difference of the two is the pool's overhead: framing, JSON, two pipe hops.
/// </summary>
public static class PoolOverhead
{
    private const string Login = """
        async function login(email, password, context) {
          const rows = await db.query('SELECT id, email, first_name, last_name, password_hash, password_salt FROM users WHERE lower(email) = lower(?)', [email]);
          if (rows.length === 0) return null;
          const user = rows[0];
          const valid = await crypto.verifyPassword(password, user.password_hash, {
            algorithm: 'sha256', hash: { encoding: 'hex' }, salt: { value: user.password_salt, encoding: 'utf8', position: 'prefix' },
          });
          if (!valid) throw new WrongUsernameOrPasswordError(email);
          log.info('legacy user ' + user.id + ' verified');
          return { id: String(user.id), email: user.email, givenName: user.first_name, familyName: user.last_name };
        }
        """;

    public static async Task RunAsync(int calls)
    {
        var file = Path.Combine(Path.GetTempPath(), $"lazymigrate-bench-{Guid.NewGuid():N}.db");
        var connectionString = $"Data Source={file}";
        await using (var db = new SqliteConnection(connectionString))
        {
            await db.OpenAsync();
            await using var create = db.CreateCommand();
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("c0b0lcompiler-a0-1952"u8));
            create.CommandText = $"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, last_name TEXT, password_hash TEXT, password_salt TEXT); " +
                $"INSERT INTO users VALUES (2, 'grace.hopper@legacy.example', 'Grace', 'Hopper', '{hash}', 'c0b0l');";
            await create.ExecuteNonQueryAsync();
        }

        var connection = new LegacyConnection
        {
            Name = "bench",
            DatabaseProvider = LegacyDatabaseProvider.Sqlite,
            DatabaseConnectionString = connectionString,
            LoginScript = Login,
        };
        var inProcess = new LegacyUserScripts();
        await using var pool = new SandboxWorkerPool(new SandboxOptions { MaxWorkers = 1, WarmWorkers = 1, MaxCallsPerWorker = int.MaxValue });
        await pool.WarmUpAsync();
        var pooled = new SandboxedLegacyUserScripts(pool);

        Func<Task> local = () => CallAsync(inProcess, connection);
        Func<Task> remote = () => CallAsync(pooled, connection);
        // Alternating rounds, the last of each counts: the first rounds also pay for tiered JIT settling.
        await MeasureAsync(local, calls / 4);
        await MeasureAsync(remote, calls / 4);
        var a = await MeasureAsync(local, calls);
        var b = await MeasureAsync(remote, calls);
        Console.WriteLine($"native login, SQLite legacy database, {calls} sequential calls each");
        Console.WriteLine($"in process:          p50 {a.P50:0.000} ms  p99 {a.P99:0.000} ms");
        Console.WriteLine($"through worker pool: p50 {b.P50:0.000} ms  p99 {b.P99:0.000} ms");
        Console.WriteLine($"added by the pool:   p50 {b.P50 - a.P50:0.000} ms  p99 {b.P99 - a.P99:0.000} ms");
        SqliteConnection.ClearAllPools();
        File.Delete(file);
    }

    private static async Task CallAsync(ILegacyUserScripts scripts, LegacyConnection connection)
    {
        var result = await scripts.LoginAsync(connection, "grace.hopper@legacy.example", "compiler-a0-1952", new ScriptContext());
        if (result.Outcome is not ScriptOutcome.Found)
        {
            throw new InvalidOperationException($"the bench login ({scripts.GetType().Name}) did not find Grace: {result.Outcome}");
        }
    }

    private static async Task<(double P50, double P99)> MeasureAsync(Func<Task> call, int calls)
    {
        var samples = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        return (samples[calls / 2], samples[(int)(calls * 0.99)]);
    }
}
