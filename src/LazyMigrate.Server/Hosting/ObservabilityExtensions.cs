using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Context;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace LazyMigrate.Server.Hosting;

public static partial class ObservabilityExtensions
{
    private const string CorrelationHeader = "X-Correlation-ID";

    /// <summary>
    /// Serilog (plain or JSON console), health checks, OpenTelemetry metrics (scraped at <c>/metrics</c>) and traces.
    /// Features register their own meters and activity sources (<c>ConfigureOpenTelemetryMeterProvider</c> beside
    /// their services). Traces, and metrics too, are pushed over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
    /// (or <c>LazyMigrate:Tracing:OtlpEndpoint</c>) names a collector; the exporter reads the other standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables (protocol, headers) itself.
    /// </summary>
    public static WebApplicationBuilder AddObservability(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;

        // preserveStaticLogger: the bootstrap logger stays in Log.Logger for the crash path in Program, and several hosts
        // in one process (tests) do not fight over freezing it.
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.ReadFrom.Configuration(configuration)
                .ReadFrom.Services(services)
                .Enrich.FromLogContext();
            if (configuration.GetValue<bool>("LazyMigrate:Logging:Json"))
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(formatProvider: CultureInfo.InvariantCulture, outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} {CorrelationId}{NewLine}{Exception}");
            }
        }, preserveStaticLogger: true);

        builder.Services.AddHealthChecks();
        // The standard variable is left to the exporter, which then appends each signal's path for http/protobuf;
        // our setting is used as written (a gRPC endpoint such as http://collector:4317).
        var endpoint = configuration["LazyMigrate:Tracing:OtlpEndpoint"] is { Length: > 0 } setting ? new Uri(setting, UriKind.Absolute) : null;
        var otlp = endpoint is not null || !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("lazymigrate"))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Identity")
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter(options => options.Endpoint = endpoint ?? options.Endpoint);
                }
            })
            .WithTracing(tracing =>
            {
                tracing
                    // Probes and scrapes would be most of the spans and say nothing. Query strings (codes, states)
                    // are redacted by the instrumentation itself.
                    .AddAspNetCoreInstrumentation(options => options.Filter = context =>
                        !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"))
                    .AddHttpClientInstrumentation()
                    // Npgsql's spans carry the SQL text (parameters are never included), not the values.
                    .AddNpgsql();
                if (otlp)
                {
                    tracing.AddOtlpExporter(options => options.Endpoint = endpoint ?? options.Endpoint);
                }
            });
        return builder;
    }

    /// <summary>Correlation id and one log line per request. Paths are logged without their query string, which may hold codes.</summary>
    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            // Accept a caller's id only if it looks like one, so a header cannot inject text into the logs.
            var incoming = context.Request.Headers[CorrelationHeader].ToString();
            var correlationId = SafeCorrelationId().IsMatch(incoming) ? incoming : context.TraceIdentifier;
            context.Response.Headers[CorrelationHeader] = correlationId;
            using (LogContext.PushProperty("CorrelationId", correlationId))
            {
                await next(context);
            }
        });

        app.UseSerilogRequestLogging(options =>
        {
            // The host's logger, not the static bootstrap one (kept for the crash path by preserveStaticLogger).
            options.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            options.GetLevel = (context, _, exception) =>
                exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
                : context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics") ? LogEventLevel.Verbose
                : LogEventLevel.Information;
        });
        return app;
    }

    /// <summary><c>/health/live</c> (the process answers), <c>/health/ready</c> (database migrated and reachable), <c>/metrics</c>.</summary>
    public static WebApplication MapObservability(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapPrometheusScrapingEndpoint("/metrics");

        // Metrics describe traffic and failures: open in Development and Testing, elsewhere only with the scrape key
        // (LazyMigrate:Metrics:Key, sent as a bearer token) unless LazyMigrate:Metrics:Anonymous says otherwise.
        var metrics = app.Configuration.GetSection("LazyMigrate:Metrics");
        var anonymous = metrics.GetValue<bool?>("Anonymous") ?? (app.Environment.IsDevelopment() || app.Environment.IsEnvironment("Testing"));
        if (!anonymous)
        {
            var key = System.Text.Encoding.UTF8.GetBytes("Bearer " + (metrics["Key"] ?? string.Empty));
            var hasKey = !string.IsNullOrEmpty(metrics["Key"]);
            app.Use((context, next) =>
            {
                if (!context.Request.Path.StartsWithSegments("/metrics"))
                {
                    return next(context);
                }

                var sent = System.Text.Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
                if (hasKey && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(sent, key))
                {
                    return next(context);
                }

                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            });
        }

        return app;
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SafeCorrelationId();
}
