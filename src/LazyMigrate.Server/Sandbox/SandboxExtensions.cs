using System.Diagnostics.Metrics;
using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Workers;
using LazyMigrate.Server.LegacyConnections;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace LazyMigrate.Server.Sandbox;

public static class SandboxExtensions
{
    /// <summary>
    /// Scripts run in supervised worker processes (configuration section <c>LazyMigrate:Sandbox</c>): replaces the
    /// in-process <see cref="ILegacyUserScripts"/> registered with the legacy connections, so a script that
    /// overflows the stack, exhausts memory or hangs takes down only its worker.
    /// </summary>
    public static IServiceCollection AddSandboxWorkers(this IServiceCollection services)
    {
        services.AddOptions<SandboxOptions>().BindConfiguration("LazyMigrate:Sandbox")
            .Validate(o => o.MaxWorkers >= 1 && o.WarmWorkers >= 0 && o.MaxCallsPerWorker >= 1 && o.MaxWorkerMemoryMB >= 64 && o.HeapHardLimitMB >= 64,
                "LazyMigrate:Sandbox needs MaxWorkers >= 1, WarmWorkers >= 0, MaxCallsPerWorker >= 1 and at least 64 MB for MaxWorkerMemoryMB and HeapHardLimitMB")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new SandboxWorkerPool(
            provider.GetRequiredService<IOptions<SandboxOptions>>().Value,
            provider.GetService<ILogger<SandboxWorkerPool>>()));
        // Note: the bulkhead's concurrency limit holds for the whole cluster (slots in PostgreSQL); the queue and the
        // circuit breaker stay per node.
        services.AddSingleton(provider => PostgresCallSlots.Create(
            provider.GetRequiredService<IConfiguration>(), provider.GetRequiredService<ILogger<PostgresCallSlots>>()));
        services.RemoveAll<ILegacyUserScripts>();
        services.AddSingleton(provider => new SandboxedLegacyUserScripts(
            provider.GetRequiredService<SandboxWorkerPool>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<ILogger<SandboxedLegacyUserScripts>>(),
            provider.GetRequiredService<PostgresCallSlots>()));
        services.AddSingleton(provider => new ScriptTelemetry(
            provider.GetRequiredService<IMeterFactory>(),
            provider.GetRequiredService<SandboxedLegacyUserScripts>()));
        services.AddSingleton<ILegacyUserScripts>(provider => new InstrumentedLegacyUserScripts(
            provider.GetRequiredService<SandboxedLegacyUserScripts>(),
            provider.GetRequiredService<ScriptTelemetry>()));
        // Script calls' metrics and spans go out with the framework's (Hosting/ObservabilityExtensions).
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(ScriptTelemetry.MeterName));
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(ScriptTelemetry.MeterName));
        services.AddHostedService<SandboxWarmUp>();
        services.AddSingleton<IStartupFilter, SandboxWarmUpOnSignInPage>();
        return services;
    }
}

/// <summary>With <see cref="SandboxOptions.WarmOnStart"/>, starts the warm workers once the server is up.</summary>
internal sealed class SandboxWarmUp(SandboxWorkerPool pool, ILogger<SandboxWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!pool.Options.WarmOnStart)
        {
            return;
        }

        try
        {
            await pool.WarmUpAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: calls start workers on demand, and fail as SandboxCrashed (audited) if none can start.
            logger.LogError(ex, "Could not start the warm sandbox workers");
        }
    }
}

/// <summary>
/// A view of the sign-in page starts the warm workers in the background when a legacy connection is importing, so
/// the person's first sign-in finds one ready: a start takes about a second, the typing longer.
/// </summary>
internal sealed class SandboxWarmUpOnSignInPage(SandboxWorkerPool pool, LegacyConnectionCatalog connections, ILogger<SandboxWarmUpOnSignInPage> logger)
    : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, following) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.StartsWithSegments("/Account/Login", StringComparison.OrdinalIgnoreCase))
            {
                _ = WarmAsync();
            }

            return following(context);
        });
        next(app);
    };

    private async Task WarmAsync()
    {
        try
        {
            if ((await connections.ImportingAsync(CancellationToken.None)).Count > 0)
            {
                pool.EnsureWarm();
            }
        }
        catch (Exception ex)
        {
            // Not the page's concern: a call starts a worker on demand.
            logger.LogWarning(ex, "Could not start the warm sandbox workers for the sign-in page");
        }
    }
}
