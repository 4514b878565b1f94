using System.Text.Json;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Hosting;

/// <summary>The domain's own series on /metrics, after real traffic, as Prometheus itself reads them.</summary>
[Collection(nameof(ProcessWideMeters))]
public sealed class DomainMetricsTests(DomainMetricsFixture fixture) : IClassFixture<DomainMetricsFixture>
{
    [Fact]
    public async Task Metrics_PassPromtoolsCheck()
    {
        var metrics = await fixture.ScrapeAsync();

        var (exitCode, output) = await Promtool.CheckMetricsAsync(metrics.Text);

        Assert.True(exitCode == 0, $"promtool check metrics failed ({exitCode}):\n{output}");
    }

    [Fact]
    public async Task Promtool_RejectsACounterWithoutItsTotalSuffix()
    {
        // The check above can fail: promtool does find faults in an exposition.
        var (exitCode, output) = await Promtool.CheckMetricsAsync("# HELP lazymigrate_x Calls.\n# TYPE lazymigrate_x counter\nlazymigrate_x 1\n");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("_total", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASignInAndItsMigration_AreCountedByOutcomeAndConnection()
    {
        var metrics = await fixture.ScrapeAsync();
        var connection = ("connection", fixture.Connection);

        // Summed: sign-ins carry no connection label, and other test servers in this process count sign-ins too
        // (OpenTelemetry listens to every meter of that name in the process; a deployment runs one server per process).
        Assert.True(metrics.Find("lazymigrate_sign_ins_total", ("outcome", "signed_in")).Sum(s => s.Value) >= 1);
        Assert.True(metrics.Find("lazymigrate_sign_ins_total", ("outcome", "invalid_credentials")).Sum(s => s.Value) >= 1);
        Assert.Equal(1, metrics.Value("lazymigrate_migrations_total", connection, ("trigger", "sign_in")));
    }

    [Fact]
    public async Task ScriptCalls_AreCountedAndTimedByConnectionFunctionAndOutcome()
    {
        var metrics = await fixture.ScrapeAsync();
        var connection = ("connection", fixture.Connection);
        var login = ("function", "login");

        // The migrated user's login, and the unknown address's (the demo script answers "unknown user").
        Assert.Equal(1, metrics.Value("lazymigrate_script_calls_total", connection, login, ("outcome", "found")));
        Assert.Equal(1, metrics.Value("lazymigrate_script_calls_total", connection, login, ("outcome", "unknown_user")));
        Assert.Equal(1, metrics.Value("lazymigrate_script_duration_seconds_count", connection, login, ("outcome", "found")));
        Assert.Equal(1, metrics.Value("lazymigrate_script_duration_seconds_bucket", connection, login, ("outcome", "found"), ("le", "+Inf")));
        Assert.True(metrics.Value("lazymigrate_script_duration_seconds_sum", connection, login, ("outcome", "found")) > 0);
        // Both calls queried the legacy database.
        Assert.Equal(2, metrics.Value("lazymigrate_legacy_io_duration_seconds_count", connection, login));
        Assert.True(metrics.Value("lazymigrate_legacy_io_duration_seconds_sum", connection, login) > 0);
    }

    [Fact]
    public async Task TheBulkheadAndBreaker_AreReportedPerConnection()
    {
        var metrics = await fixture.ScrapeAsync();
        var connection = ("connection", fixture.Connection);

        // Between calls: no slot taken, nobody waiting, the breaker closed.
        Assert.Equal(0, metrics.Value("lazymigrate_legacy_bulkhead_in_use", connection));
        Assert.Equal(0, metrics.Value("lazymigrate_legacy_bulkhead_queued", connection));
        Assert.Equal(0, metrics.Value("lazymigrate_legacy_circuit_state", connection));
    }

    [Fact]
    public async Task ImportJobRows_AreCountedByOutcome()
    {
        var metrics = await fixture.ScrapeAsync();
        var connection = ("connection", fixture.Connection);

        Assert.Equal(3, metrics.Value("lazymigrate_import_rows_total", connection, ("source", "file"), ("outcome", "imported")));
        Assert.Equal(0, metrics.Value("lazymigrate_import_rows_total", connection, ("source", "file"), ("outcome", "refused")));
    }

    [Fact]
    public async Task TheGrafanaDashboard_QueriesOnlySeriesTheServerExports_AndShowsEveryDomainSeries()
    {
        var exported = (await fixture.ScrapeAsync()).Names;
        var queries = DashboardQueries(Path.Combine(RepositoryRoot(), "deploy", "grafana", "lazymigrate.json"));

        var queried = queries.SelectMany(q => Regex.Matches(q, @"\blazymigrate_[a-z0-9_]+\b").Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(queried);
        Assert.All(queries, q => Assert.Matches(@"\blazymigrate_[a-z0-9_]+\b", q));
        Assert.Equal(Array.Empty<string>(), queried.Where(name => !exported.Contains(name)).Order().ToArray());
        // Each domain family (a histogram by its buckets) has a panel.
        var families = exported.Where(n => n.StartsWith("lazymigrate_", StringComparison.Ordinal) && !n.EndsWith("_sum", StringComparison.Ordinal) && !n.EndsWith("_count", StringComparison.Ordinal));
        Assert.Equal(Array.Empty<string>(), families.Where(name => !queried.Contains(name)).Order().ToArray());
    }

    /// <summary>Every PromQL expression of the dashboard: panel targets (rows' panels too) and query variables.</summary>
    private static List<string> DashboardQueries(string path)
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var queries = new List<string>();
        void Panels(JsonElement panels)
        {
            foreach (var panel in panels.EnumerateArray())
            {
                if (panel.TryGetProperty("targets", out var targets))
                {
                    queries.AddRange(targets.EnumerateArray().Select(t => t.GetProperty("expr").GetString()!));
                }

                if (panel.TryGetProperty("panels", out var nested))
                {
                    Panels(nested);
                }
            }
        }

        Panels(dashboard.RootElement.GetProperty("panels"));
        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() == "query")
            {
                queries.Add(variable.GetProperty("definition").GetString()!);
            }
        }

        return queries;
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

        throw new InvalidOperationException("The repository root (LazyMigrate.sln) was not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// Runs alone. Every test server in this process creates meters of the same names, and OpenTelemetry merges the
/// instruments of one name into one series set: when another test class's server stops while this one's is running,
/// its disposed meter ends that shared set, and series recorded here vanish from the scrape. (A deployment runs one
/// server per process.)
/// </summary>
[CollectionDefinition(nameof(ProcessWideMeters), DisableParallelization = true)]
public sealed class ProcessWideMeters;
