using OpenTelemetry.Metrics;

namespace LazyMigrate.Server.LazyMigration;

public static class LazyMigrationExtensions
{
    /// <summary>Importing legacy users, asking whether an address is taken anywhere, and the migration's statistics.</summary>
    public static IServiceCollection AddLazyMigration(this IServiceCollection services)
    {
        services.AddScoped<UserImporter>();
        services.AddScoped<AccountExistence>();
        services.AddScoped<MigrationStats>();
        services.AddSingleton<MigrationMetrics>();
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(MigrationMetrics.MeterName));

        // MigrationStats keeps each connection's countUsers answer for a minute.
        services.AddMemoryCache();
        return services;
    }
}
