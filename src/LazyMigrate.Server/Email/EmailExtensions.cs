namespace LazyMigrate.Server.Email;

public static class EmailExtensions
{
    /// <summary>Outgoing email: SMTP when a host is configured, otherwise .eml files in a pickup directory.</summary>
    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration("LazyMigrate:Email");
        services.AddSingleton<EmailSender>();
        return services;
    }
}
