using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LazyMigrate.Server.Data;

public static class DataExtensions
{
    /// <summary>PostgreSQL through EF Core, migrations and seeding at start-up, Data Protection keys in the database.</summary>
    public static IServiceCollection AddData(this IServiceCollection services, IConfiguration configuration)
    {
        // Pooled: a context per request is taken from the pool and reset, not built again with its options, logger
        // and service lookups; that construction was a tenth of what a client-credentials grant allocated. The context
        // keeps no state of its own beyond what EF Core resets.
        services.AddDbContextPool<LazyMigrateDbContext>((provider, options) =>
        {
            var configuration = provider.GetRequiredService<IConfiguration>();
            var connectionString = configuration.GetConnectionString("Default");
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("ConnectionStrings:Default (ConnectionStrings__Default) must be set to a PostgreSQL connection string.");
            }

            options.UseNpgsql(connectionString);
            options.UseOpenIddict();
            if (DatabaseCommandCount.IsEnabled(configuration))
            {
                options.AddInterceptors(new DatabaseCommandCount.Interceptor());
            }
        });
        services.AddSingleton<IStartupFilter, DatabaseCommandCount.StartupFilter>();

        services.AddSingleton<DatabaseReadiness>();
        services.AddHostedService<DatabaseInitializer>();

        // Every node reads and writes the same key ring, so cookies and protected keys made by one node open on another.
        services.AddDataProtection()
            .SetApplicationName("LazyMigrate")
            .PersistKeysToDbContext<LazyMigrateDbContext>()
            // Encrypted at rest with a certificate when LazyMigrate:DataProtection:Certificate names one.
            .ProtectKeysWithConfiguredCertificate(configuration);

        services.AddHealthChecks()
            .AddDbContextCheck<LazyMigrateDbContext>("database", tags: ["ready"])
            .AddCheck<DatabaseReadinessCheck>("migrations", tags: ["ready"]);
        return services;
    }
}

internal sealed class DatabaseReadinessCheck(DatabaseReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("Migrations and seeding have not completed."));
}
