using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace LazyMigrate.Server.Login;

public static class LoginExtensions
{
    /// <summary>The sign-in pipeline, the second factor and passkey sign-ins, the throttle (and the pruning of its spent counters) and the floor that evens out the time of failed sign-ins.</summary>
    public static IServiceCollection AddLogin(this IServiceCollection services)
    {
        services.AddScoped<LoginPipeline>();
        services.AddScoped<LoginThrottle>();
        services.AddHostedService<LoginThrottlePruning>();
        services.AddScoped<SecondFactorSignIn>();
        services.AddScoped<PasskeySignIn>();
        services.AddOptions<LoginOptions>().BindConfiguration(LoginOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LoginOptions>, LoginOptionsValidator>();
        services.AddSingleton<LoginFailureFloor>();
        services.AddSingleton<LoginMetrics>();
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddMeter(LoginMetrics.MeterName));
        return services;
    }
}
