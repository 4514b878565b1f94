namespace LazyMigrate.Server.Users;

public static class UsersExtensions
{
    /// <summary>The user directory (search, paging), administration and deletion, shared by the console and the API.</summary>
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        services.AddScoped<UserDirectory>();
        services.AddScoped<UserAdministration>();
        services.AddScoped<UserDeletion>();
        return services;
    }
}
