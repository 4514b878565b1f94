using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Legacy;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// Which host and port a script may reach with a connection of its own: the legacy database at its configured port,
/// the allow-list's hosts at their standard port or at the port an entry names; and one refusal for every other port.
/// </summary>
public sealed class LegacyHostPolicyTests
{
    private const string OwnDatabase = "Host=legacy-db.internal;Port=5433;Database=legacy;Username=reader";

    private readonly LegacyUserScripts _scripts = new();

    [Theory]
    [InlineData("legacy-db.internal", 5433, true)]
    [InlineData("LEGACY-DB.internal.", 5433, true)]
    [InlineData("legacy-db.internal", 5432, false)]
    [InlineData("legacy-db.internal", 22, false)]
    [InlineData("elsewhere.internal", 5433, false)]
    public void OwnDatabase_IsReachableAtItsConfiguredPortOnly(string host, int port, bool allowed)
    {
        var connection = Connection(allowList: []);

        Assert.Equal(allowed, LegacyHostPolicy.IsAllowed(connection, host, port, standardPort: 5432));
    }

    [Theory]
    [InlineData("reports.internal", 5432, 5432, true)]
    [InlineData("reports.internal", 6543, 5432, false)]
    [InlineData("metrics.internal", 9100, 5432, true)]
    [InlineData("metrics.internal", 9101, 5432, false)]
    [InlineData("metrics.internal", 5432, 5432, false)]
    [InlineData("api.legacy.example", 443, 443, true)]
    [InlineData("api.legacy.example", 8443, 443, true)]
    [InlineData("api.legacy.example", 8080, 443, false)]
    public void AllowList_BareHostMeansTheStandardPort_AndAnyOtherPortMustBeNamed(string host, int port, int standardPort, bool allowed)
    {
        var connection = Connection(allowList: ["reports.internal", "metrics.internal:9100", "https://api.legacy.example", "https://api.legacy.example:8443"]);

        Assert.Equal(allowed, LegacyHostPolicy.IsAllowed(connection, host, port, standardPort));
    }

    [Theory]
    [InlineData("tcp:mssql.internal,1533", "mssql.internal", 1533, true)]
    [InlineData("tcp:mssql.internal,1533", "mssql.internal", 1433, false)]
    [InlineData(@"mssql.internal\LEGACY", "mssql.internal", 1433, true)]
    public void SqlServerDatabase_IsReachableAtItsDataSourcePort(string dataSource, string host, int port, bool allowed)
    {
        var connection = Connection(allowList: []) with
        {
            DatabaseProvider = LegacyDatabaseProvider.SqlServer,
            DatabaseConnectionString = $"Data Source={dataSource};Initial Catalog=legacy;User ID=reader;Password=x",
        };

        Assert.Equal(allowed, LegacyHostPolicy.IsAllowed(connection, host, port, standardPort: 1433));
    }

    [Fact]
    public async Task ScriptConnection_ToAnotherPortOfTheDatabaseHost_IsRefusedAlikeForEveryPort()
    {
        var messages = new List<string>();
        foreach (var port in new[] { 1, 22, 5432, 6379 })
        {
            var script = $$"""
                async function login(email) {
                  const { Client } = require('pg');
                  const client = new Client({ host: 'legacy-db.internal', port: {{port}}, user: 'reader', database: 'legacy' });
                  await client.connect();
                  return null;
                }
                """;
            var result = await _scripts.LoginAsync(Connection(allowList: [], script), "a@b.example", "x", new ScriptContext(), TestContext.Current.CancellationToken);
            messages.Add(Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message);
        }

        Assert.Contains("host 'legacy-db.internal' is neither", messages[0], StringComparison.Ordinal);
        Assert.All(messages, message => Assert.Equal(messages[0], message));
        Assert.All(messages, message => Assert.DoesNotContain("6379", message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HttpRequest_ToAnUnlistedPortOfAnAllowedHost_IsRefusedAlikeForEveryPort()
    {
        var messages = new List<string>();
        foreach (var port in new[] { 22, 8080, 9200 })
        {
            var script = $"async function login() {{ await http.request({{ url: 'https://api.legacy.example:{port}/users' }}); return null; }}";
            var result = await _scripts.LoginAsync(Connection(allowList: ["api.legacy.example"], script), "a@b.example", "x", new ScriptContext(), TestContext.Current.CancellationToken);
            messages.Add(Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message);
        }

        Assert.Contains("not on this connection's HTTP allow-list", messages[0], StringComparison.Ordinal);
        Assert.All(messages, message => Assert.Equal(messages[0], message));
    }

    private static LegacyConnection Connection(string[] allowList, string script = "async function login() { return null; }") =>
        Sandbox.Connection(script, c => c with
        {
            DatabaseProvider = LegacyDatabaseProvider.Postgres,
            DatabaseConnectionString = OwnDatabase,
            HttpAllowList = allowList,
        });
}
