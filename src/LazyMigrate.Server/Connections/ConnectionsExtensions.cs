using LazyMigrate.Scripting;
using LazyMigrate.Server.Data;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Connections;

public static class ConnectionsExtensions
{
    /// <summary>Legacy connections (configuration-seeded, stored with protected secrets) and the script sandbox.</summary>
    public static IServiceCollection AddLegacyConnections(this IServiceCollection services)
    {
        services.AddOptions<ConnectionsOptions>().BindConfiguration("LazyMigrate").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectionsOptions>, ConnectionsOptionsValidator>();
        services.AddSingleton<ConnectionSecrets>();
        services.AddSingleton<LegacyConnectionCatalog>();
        services.AddScoped<IDatabaseSeeder, ConnectionSeeder>();
        services.AddLegacyUserScripts();
        return services;
    }
}
