namespace LazyMigrate.Server.Email;

public static class EmailExtensions
{
    /// <summary>
    /// Outgoing email: a durable outbox in PostgreSQL that every node drains, sending through SMTP when a host is
    /// configured, otherwise as .eml files in a pickup directory.
    /// </summary>
    public static IServiceCollection AddEmail(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration("LazyMigrate:Email");
        services.AddOptions<EmailOutboxOptions>().BindConfiguration(EmailOutboxOptions.Section);
        services.AddSingleton<EmailSender>();
        services.AddSingleton<EmailOutbox>();
        services.AddHostedService<EmailOutboxSender>();
        return services;
    }
}
