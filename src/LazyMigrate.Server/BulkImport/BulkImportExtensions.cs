using LazyMigrate.Server.Jobs;
using OpenTelemetry.Metrics;

namespace LazyMigrate.Server.BulkImport;

public static class BulkImportExtensions
{
    /// <summary>Import jobs: their creation, the file source, and the work that writes users page by page.</summary>
    public static IServiceCollection AddBulkImport(this IServiceCollection services)
    {
        services.AddScoped<ImportJobs>();
        services.AddScoped<BulkUserWriter>();
        services.AddSingleton<ImportMetrics>();
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(ImportMetrics.MeterName));
        services.AddKeyedScoped<IJobWork, UserImportWork>(JobKind.UsersImport);
        services.AddKeyedSingleton<IUserSourceFactory, FileUserSourceFactory>(FileUserSourceFactory.Key);
        return services;
    }
}
