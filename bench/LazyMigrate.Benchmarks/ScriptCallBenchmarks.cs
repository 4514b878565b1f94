using BenchmarkDotNet.Attributes;
using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Legacy;

namespace LazyMigrate.Benchmarks;

/// <summary>
/// Per-call overhead of a realistic native login (one db.query, one salted SHA-256 verify, a profile) with the
/// legacy database stubbed out: a cached prepared script in a fresh engine versus parsing the script every call.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ScriptCallBenchmarks
{
    private const string Login = """
        // login: the demo legacy database's shape, salted SHA-256 branch.
        async function login(email, password, context) {
          const rows = await db.query(
            'SELECT id, email, username, first_name, last_name, phone, email_verified, hash_algorithm, password_hash, password_salt FROM users WHERE lower(email) = lower($1)',
            [email]);
          if (rows.length === 0) {
            return null;
          }

          const user = rows[0];
          const valid = await crypto.verifyPassword(password, user.password_hash, {
            algorithm: 'sha256',
            hash: { encoding: 'hex' },
            salt: { value: user.password_salt, encoding: 'utf8', position: 'prefix' },
          });
          if (!valid) {
            throw new WrongUsernameOrPasswordError(email);
          }

          log.info('legacy user ' + user.id + ' verified');
          return {
            id: String(user.id),
            email: user.email,
            emailVerified: user.email_verified,
            username: user.username,
            givenName: user.first_name,
            familyName: user.last_name,
            name: user.first_name + ' ' + user.last_name,
            phoneNumber: user.phone,
          };
        }
        """;

    private LegacyUserScripts _scripts = null!;
    private LegacyConnection _connection = null!;
    private long _counter;

    [GlobalSetup]
    public void Setup()
    {
        _scripts = new LegacyUserScripts(new StubDatabaseFactory());
        _connection = new LegacyConnection
        {
            Name = "bench",
            DatabaseProvider = LegacyDatabaseProvider.Postgres,
            DatabaseConnectionString = "Host=stub",
            LoginScript = Login,
        };
    }

    [Benchmark(Baseline = true)]
    public async Task<object> CachedPreparedScript() =>
        (await _scripts.LoginAsync(_connection, "grace.hopper@legacy.example", "compiler-a0-1952", new ScriptContext())).Outcome;

    [Benchmark]
    public async Task<object> ParseEveryTime()
    {
        // A distinct comment makes every source new to the cache, so each call hashes and parses it.
        var connection = _connection with { LoginScript = Login + "\n// " + Interlocked.Increment(ref _counter) };
        return (await _scripts.LoginAsync(connection, "grace.hopper@legacy.example", "compiler-a0-1952", new ScriptContext())).Outcome;
    }

    /// <summary>Answers every query at once with the demo's Grace Hopper row: no I/O is measured.</summary>
    private sealed class StubDatabaseFactory : ILegacyDatabaseFactory
    {
        private static readonly IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows =
        [
            new Dictionary<string, object?>
            {
                ["id"] = 2, ["email"] = "grace.hopper@legacy.example", ["username"] = "grace", ["first_name"] = "Grace",
                ["last_name"] = "Hopper", ["phone"] = "+1 202 555 0102", ["email_verified"] = true, ["hash_algorithm"] = "sha256",
                // sha256('c0b0l' || 'compiler-a0-1952'), as demo/legacy/legacy-database.sql stores it
                ["password_hash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("c0b0lcompiler-a0-1952"u8)),
                ["password_salt"] = "c0b0l",
            },
        ];

        public ILegacyDatabase Open(LegacyDatabaseProvider provider, string connectionString) => new Stub();

        private sealed class Stub : ILegacyDatabase
        {
            public Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) =>
                Task.FromResult(Rows);
        }
    }
}
