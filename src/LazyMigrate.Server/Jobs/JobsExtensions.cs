namespace LazyMigrate.Server.Jobs;

public static class JobsExtensions
{
    /// <summary>The background runner of long jobs (imports, exports) and the service that lists and steers them.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section);
        services.AddSingleton<JobRunner>();
        services.AddHostedService(provider => provider.GetRequiredService<JobRunner>());
        services.AddScoped<JobAdministration>();
        return services;
    }
}
