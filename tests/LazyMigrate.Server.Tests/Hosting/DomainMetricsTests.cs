using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Hosting;

/// <summary>The domain's own series on /metrics, after real traffic, as Prometheus itself reads them.</summary>
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
    public async Task Promtool_RejectsAScrapeWithADuplicateSeries()
    {
        // The check above can fail: promtool does find faults in an exposition.
        var (exitCode, _) = await Promtool.CheckMetricsAsync("# HELP lazymigrate_x_total x\n# TYPE lazymigrate_x_total counter\nlazymigrate_x_total{a=\"b\"} 1\nlazymigrate_x_total{a=\"b\"} 2\n");

        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public async Task ASignInAndItsMigration_AreCountedByOutcomeAndConnection()
    {
        var metrics = await fixture.ScrapeAsync();
        var connection = ("connection", fixture.Connection);

        Assert.True(metrics.Value("lazymigrate_sign_ins_total", ("outcome", "signed_in")) >= 1);
        Assert.True(metrics.Value("lazymigrate_sign_ins_total", ("outcome", "invalid_credentials")) >= 1);
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
}
