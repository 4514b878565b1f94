using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Audit;

/// <summary>The audit side of the <c>LazyMigrate</c> configuration section.</summary>
public sealed class AuditOptions
{
    public const string Section = "LazyMigrate";

    /// <summary>How long audit entries are kept (<c>LazyMigrate__AuditRetention</c>, e.g. 400.00:00:00); older ones are deleted daily.</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(400);
}

public sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options) =>
        options.AuditRetention < TimeSpan.FromDays(1)
            ? ValidateOptionsResult.Fail("LazyMigrate:AuditRetention (LazyMigrate__AuditRetention) must be at least one day.")
            : ValidateOptionsResult.Success;
}
