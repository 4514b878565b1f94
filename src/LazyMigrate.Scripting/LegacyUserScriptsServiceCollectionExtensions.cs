using LazyMigrate.Scripting.Legacy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace LazyMigrate.Scripting;

public static class LegacyUserScriptsServiceCollectionExtensions
{
    /// <summary>Name of the HttpClient used for scripts' <c>http.request</c>; configured here not to follow redirects.</summary>
    public const string HttpClientName = "LazyMigrate.LegacyScripts";

    /// <summary>Registers <see cref="ILegacyUserScripts"/> as a singleton sandbox (one script cache and one set of guards per process).</summary>
    public static IServiceCollection AddLegacyUserScripts(this IServiceCollection services)
    {
        services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, ConnectTimeout = TimeSpan.FromSeconds(5) });
        services.TryAddSingleton<ILegacyDatabaseFactory, LegacyDatabaseFactory>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILegacyUserScripts>(provider => new LegacyUserScripts(
            provider.GetRequiredService<ILegacyDatabaseFactory>(),
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<ILogger<LegacyUserScripts>>()));
        return services;
    }
}
