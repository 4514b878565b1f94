namespace LazyMigrate.Server.Login;

public static class LoginExtensions
{
    /// <summary>The sign-in pipeline and its throttle.</summary>
    public static IServiceCollection AddLogin(this IServiceCollection services)
    {
        services.AddScoped<LoginPipeline>();
        services.AddScoped<LoginThrottle>();
        return services;
    }
}
