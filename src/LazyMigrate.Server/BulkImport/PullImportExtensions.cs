namespace LazyMigrate.Server.BulkImport;

public static class PullImportExtensions
{
    /// <summary>The <c>listUsers</c> source of pull imports, and how it rides out a failing legacy system.</summary>
    public static IServiceCollection AddPullImport(this IServiceCollection services)
    {
        services.AddOptions<PullImportOptions>().BindConfiguration("LazyMigrate:PullImport");
        services.AddKeyedSingleton<IUserSourceFactory, ListUsersSourceFactory>(ListUsersSourceFactory.Source);
        return services;
    }
}
