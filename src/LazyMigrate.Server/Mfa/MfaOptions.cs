using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Mfa;

/// <summary>The <c>LazyMigrate:Mfa</c> section.</summary>
public sealed class MfaOptions
{
    public const string Section = "LazyMigrate:Mfa";

    /// <summary>How long "remember this browser" skips the code step (default 30 days); the cookie never slides.</summary>
    public TimeSpan RememberBrowserFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The issuer name authenticator apps show beside the account (default <c>LazyMigrate</c>).</summary>
    public string AuthenticatorIssuer { get; set; } = "LazyMigrate";
}

/// <summary>Refuses settings that cannot work, naming them.</summary>
public sealed class MfaOptionsValidator : IValidateOptions<MfaOptions>
{
    public ValidateOptionsResult Validate(string? name, MfaOptions options)
    {
        var errors = new List<string>();
        if (options.RememberBrowserFor < TimeSpan.Zero || options.RememberBrowserFor > TimeSpan.FromDays(90))
        {
            errors.Add($"{MfaOptions.Section}:RememberBrowserFor must be between 0 (never remember) and 90 days.");
        }

        if (string.IsNullOrWhiteSpace(options.AuthenticatorIssuer) || options.AuthenticatorIssuer.Contains(':', StringComparison.Ordinal))
        {
            errors.Add($"{MfaOptions.Section}:AuthenticatorIssuer must be a name without ':'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
