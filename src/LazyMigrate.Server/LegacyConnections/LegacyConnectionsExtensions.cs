using LazyMigrate.Scripting;
using LazyMigrate.Server.Data;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.LegacyConnections;

public static class LegacyConnectionsExtensions
{
    /// <summary>
    /// Legacy connections (configuration-seeded, stored with protected secrets), the script sandbox, and their
    /// administration: connections, script versions and rate-limited trials.
    /// </summary>
    public static IServiceCollection AddLegacyConnections(this IServiceCollection services)
    {
        services.AddOptions<LegacyConnectionsOptions>().BindConfiguration("LazyMigrate").ValidateOnStart();
        services.AddSingleton<IValidateOptions<LegacyConnectionsOptions>, LegacyConnectionsOptionsValidator>();
        services.AddSingleton<ConnectionSecrets>();
        services.AddSingleton<LegacyConnectionCatalog>();
        services.AddScoped<IDatabaseSeeder, ConnectionSeeder>();
        services.AddLegacyUserScripts();

        services.AddScoped<ConnectionAdministration>();
        services.AddScoped<ScriptVersions>();
        services.AddScoped<ScriptTrials>();
        services.AddScriptTrialRateLimit();
        return services;
    }
}
