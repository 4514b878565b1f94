namespace LazyMigrate.Server.Identities;

public static class IdentitiesExtensions
{
    /// <summary>The legacy directory every flow asks, and the background linking of a user's other legacy identities.</summary>
    public static IServiceCollection AddLegacyDirectory(this IServiceCollection services)
    {
        services.AddOptions<IdentityLinkingOptions>().BindConfiguration(IdentityLinkingOptions.Section);
        services.AddScoped<LegacyDirectory>();
        services.AddMemoryCache();
        services.AddSingleton<IdentityLinking>();
        services.AddHostedService(provider => provider.GetRequiredService<IdentityLinking>());
        return services;
    }
}
