using System.Diagnostics;
using System.Diagnostics.Metrics;
using LazyMigrate.Scripting;

namespace LazyMigrate.Server.Sandbox;

/// <summary>
/// Metrics and a trace span for every script call, wrapped around the one door to the sandbox
/// (<see cref="ILegacyUserScripts"/>), so login, getUser, countUsers and listUsers are measured alike whichever flow
/// made the call. Also reports each connection's bulkhead and circuit breaker as gauges.
/// </summary>
public sealed class ScriptTelemetry
{
    public const string MeterName = "LazyMigrate.Scripts";

    /// <summary>The source of the span per script call; tags say connection, function and outcome, never the identifier or password.</summary>
    public static readonly ActivitySource ActivitySource = new(MeterName);

    // Seconds, from a fast cached script (~1 ms) to the longest deadline a connection may set.
    private static readonly double[] DurationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _legacyIo;

    public ScriptTelemetry(IMeterFactory meters, ILegacyConnectionLoad? load)
    {
        var meter = meters.Create(MeterName);
        _calls = meter.CreateCounter<long>("lazymigrate.script.calls", "{call}", "Script calls by connection, function and outcome (dry runs from the console not counted).");
        _duration = meter.CreateHistogram("lazymigrate.script.duration", "s", "How long script calls took, queueing in the bulkhead included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _legacyIo = meter.CreateHistogram("lazymigrate.legacy.io.duration", "s", "Time a script call spent in the legacy system's database queries and HTTP requests, added up.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        if (load is not null)
        {
            meter.CreateObservableGauge("lazymigrate.legacy.bulkhead.in_use", () => Observe(load, l => l.InUse), "{call}",
                "Script calls running against each connection on this node (its bulkhead's slots taken).");
            meter.CreateObservableGauge("lazymigrate.legacy.bulkhead.queued", () => Observe(load, l => l.Queued), "{call}",
                "Script calls waiting for a slot in each connection's bulkhead on this node.");
            meter.CreateObservableGauge("lazymigrate.legacy.circuit.state", () => Observe(load, l => (int)l.Circuit), null,
                "Each connection's circuit breaker on this node: 0 closed, 1 open (calls fail fast), 2 half-open.");
        }
    }

    /// <summary>One word per outcome: the answer's kind, or the failure's reason.</summary>
    public static string OutcomeName(ScriptOutcome outcome) => outcome switch
    {
        ScriptOutcome.Found => "found",
        ScriptOutcome.UnknownUser => "unknown_user",
        ScriptOutcome.WrongPassword => "wrong_password",
        ScriptOutcome.Counted => "counted",
        ScriptOutcome.Listed => "listed",
        ScriptOutcome.Failed failed => failed.Reason switch
        {
            ScriptFailureReason.Timeout => "timeout",
            ScriptFailureReason.MemoryLimit => "memory_limit",
            ScriptFailureReason.StatementLimit => "statement_limit",
            ScriptFailureReason.Recursion => "recursion",
            ScriptFailureReason.ScriptError => "script_error",
            ScriptFailureReason.LegacyUnavailable => "legacy_unavailable",
            ScriptFailureReason.InvalidProfile => "invalid_profile",
            ScriptFailureReason.NotConfigured => "not_configured",
            ScriptFailureReason.SandboxCrashed => "sandbox_crashed",
            _ => "failed",
        },
        _ => "other",
    };

    internal async Task<ScriptResult> MeasureAsync(string function, LegacyConnection connection, ScriptContext context, Func<Task<ScriptResult>> call)
    {
        using var activity = ActivitySource.StartActivity("script " + function, ActivityKind.Internal);
        activity?.SetTag("lazymigrate.connection", connection.Name);
        activity?.SetTag("lazymigrate.script.function", function);
        if (context.DryRun)
        {
            activity?.SetTag("lazymigrate.script.dry_run", true);
        }

        var result = await call();
        var outcome = OutcomeName(result.Outcome);
        if (activity is not null)
        {
            activity.SetTag("lazymigrate.script.outcome", outcome);
            activity.SetTag("lazymigrate.script.duration_ms", result.Duration.TotalMilliseconds);
            activity.SetTag("lazymigrate.legacy.io_ms", result.LegacyIo.TotalMilliseconds);
            if (result.Outcome is ScriptOutcome.Failed)
            {
                // The reason only: the message may quote the legacy system and is for the audit trail.
                activity.SetStatus(ActivityStatusCode.Error, outcome);
            }
        }

        // A console trial is an administrator testing a script: counting it would read as production traffic.
        if (!context.DryRun)
        {
            var tags = new TagList { { "connection", connection.Name }, { "function", function }, { "outcome", outcome } };
            _calls.Add(1, tags);
            _duration.Record(result.Duration.TotalSeconds, tags);
            _legacyIo.Record(result.LegacyIo.TotalSeconds, new TagList { { "connection", connection.Name }, { "function", function } });
        }

        return result;
    }

    private static IEnumerable<Measurement<int>> Observe(ILegacyConnectionLoad load, Func<LegacyConnectionLoad, int> value) =>
        load.CurrentLoad().Select(l => new Measurement<int>(value(l), new KeyValuePair<string, object?>("connection", l.Connection)));
}

/// <summary><see cref="ILegacyUserScripts"/> with <see cref="ScriptTelemetry"/> around every call.</summary>
internal sealed class InstrumentedLegacyUserScripts(ILegacyUserScripts inner, ScriptTelemetry telemetry) : ILegacyUserScripts
{
    public Task<ScriptResult> LoginAsync(LegacyConnection connection, string identifier, string password, ScriptContext context, CancellationToken cancellationToken = default) =>
        telemetry.MeasureAsync("login", connection, context, () => inner.LoginAsync(connection, identifier, password, context, cancellationToken));

    public Task<ScriptResult> GetUserAsync(LegacyConnection connection, string identifier, ScriptContext context, CancellationToken cancellationToken = default) =>
        telemetry.MeasureAsync("getUser", connection, context, () => inner.GetUserAsync(connection, identifier, context, cancellationToken));

    public Task<ScriptResult> CountUsersAsync(LegacyConnection connection, ScriptContext context, CancellationToken cancellationToken = default) =>
        telemetry.MeasureAsync("countUsers", connection, context, () => inner.CountUsersAsync(connection, context, cancellationToken));

    public Task<ScriptResult> ListUsersAsync(LegacyConnection connection, string? cursor, int limit, ScriptContext context, CancellationToken cancellationToken = default) =>
        telemetry.MeasureAsync("listUsers", connection, context, () => inner.ListUsersAsync(connection, cursor, limit, context, cancellationToken));

    public ScriptValidation Validate(string source) => inner.Validate(source);
}
