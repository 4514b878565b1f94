using LazyMigrate.Server.Jobs;

namespace LazyMigrate.Server.BulkExport;

public static class BulkExportExtensions
{
    /// <summary>Exports of every user as JSON Lines: starting them, the job work that writes them, reading the file.</summary>
    public static IServiceCollection AddBulkExport(this IServiceCollection services)
    {
        services.AddScoped<UserExports>();
        services.AddKeyedSingleton<IJobWork, UserExportWork>(JobKind.UsersExport);
        return services;
    }
}
