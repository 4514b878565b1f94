using System.Diagnostics;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace LazyMigrate.Server.Tests.Sandbox;

/// <summary>The server's own tracer provider (as configured for production) exports a span per script call.</summary>
public sealed class ScriptTracingTests(TracedServerFixture fixture) : IClassFixture<TracedServerFixture>
{
    [Fact]
    public async Task ALazyMigration_ExportsAScriptSpanWithItsTags_InsideTheSignInRequestsTrace()
    {
        var user = await fixture.Legacy.AddUserAsync("Traced-Sign-In-Password-1");

        var page = await fixture.LogInAsync(user.Email, user.Password);

        Assert.False(page.IsLogin);
        var script = await Wait.ForAsync(
            () => Task.FromResult(fixture.Spans(s => s.Source.Name == "LazyMigrate.Scripts" && Equals(s.GetTagItem("lazymigrate.connection"), fixture.Connection)
                && Equals(s.GetTagItem("lazymigrate.script.outcome"), "found"))),
            spans => spans.Count >= 1,
            TimeSpan.FromSeconds(30));
        // This class's other test calls the same connection for an unknown address; this sign-in is the one that found a user.
        var span = Assert.Single(script);
        Assert.Equal("script login", span.DisplayName);
        Assert.Equal("login", span.GetTagItem("lazymigrate.script.function"));
        Assert.True((double)span.GetTagItem("lazymigrate.script.duration_ms")! > 0);
        Assert.True(span.Duration > TimeSpan.Zero);
        Assert.NotEqual(ActivityStatusCode.Error, span.Status);
        // Neither the address nor the password is a tag.
        Assert.DoesNotContain(span.TagObjects, tag => tag.Value?.ToString()?.Contains(user.Email, StringComparison.Ordinal) == true
            || tag.Value?.ToString()?.Contains(user.Password, StringComparison.Ordinal) == true);

        // The span is a child in the sign-in request's trace, beside the import's own database commands.
        var trace = fixture.Spans(s => s.TraceId == span.TraceId);
        Assert.Contains(Ancestors(trace, span), s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Contains(trace, s => s.Source.Name == "Npgsql");
    }

    [Fact]
    public async Task AFailedScriptCall_IsAnErrorSpanNamingTheReason()
    {
        var page = await fixture.LogInAsync($"nobody-{Guid.NewGuid():N}@legacy.example", "Traced-Wrong-Password-2");
        Assert.True(page.IsLogin);

        var spans = await Wait.ForAsync(
            () => Task.FromResult(fixture.Spans(s => s.Source.Name == "LazyMigrate.Scripts" && Equals(s.GetTagItem("lazymigrate.connection"), fixture.Connection)
                && Equals(s.GetTagItem("lazymigrate.script.outcome"), "unknown_user"))),
            found => found.Count >= 1,
            TimeSpan.FromSeconds(30));

        // Not a failure: the legacy system answered, it just does not know the address.
        Assert.All(spans, s => Assert.NotEqual(ActivityStatusCode.Error, s.Status));
    }

    private static IEnumerable<Activity> Ancestors(IReadOnlyList<Activity> trace, Activity span)
    {
        var current = span;
        while (trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId) is { } parent)
        {
            yield return parent;
            current = parent;
        }
    }
}

/// <summary>A server whose tracer provider also exports to memory; its connection has a name of its own to pick its spans out.</summary>
public sealed class TracedServerFixture : LegacyServerFixture
{
    private readonly List<Activity> _exported = [];

    public string Connection { get; } = "traced" + Guid.NewGuid().ToString("N")[..10];

    public IReadOnlyList<Activity> Spans(Func<Activity, bool> predicate)
    {
        lock (_exported)
        {
            return [.. _exported.Where(predicate)];
        }
    }

    // Counting and tracing are checked here, not deadlines: a first call on a busy machine must not time out.
    protected override TimeSpan Timeout => TimeSpan.FromSeconds(30);

    protected override void ConfigureSettings(Dictionary<string, string?> settings) => settings["LazyMigrate:Connections:0:Name"] = Connection;

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(new OpenTelemetry.SimpleActivityExportProcessor(new ListExporter(_exported))));

    private sealed class ListExporter(List<Activity> into) : OpenTelemetry.BaseExporter<Activity>
    {
        public override OpenTelemetry.ExportResult Export(in OpenTelemetry.Batch<Activity> batch)
        {
            lock (into)
            {
                foreach (var activity in batch)
                {
                    into.Add(activity);
                }
            }

            return OpenTelemetry.ExportResult.Success;
        }
    }
}
