using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Audit;

public static class AuditExtensions
{
    /// <summary>The audit trail (writing), the audit log (reading) and its daily pruning.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>();

        // The trail records each request's address and correlation id.
        services.AddHttpContextAccessor();
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditLog>();
        services.AddHostedService<AuditPruning>();
        return services;
    }
}
