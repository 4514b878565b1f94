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

    /// <summary>
    /// Wrong codes one user may enter, from any address, before each further try waits (default 5 in 15 minutes):
    /// whoever has the password gets no more guesses by changing address.
    /// </summary>
    public int CodeFailuresPerUser { get; set; } = 5;

    /// <summary>Wrong codes one address may enter, for any users, before each further try waits (default 20 in 15 minutes).</summary>
    public int CodeFailuresPerAddress { get; set; } = 20;
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

        if (options.CodeFailuresPerUser < 1 || options.CodeFailuresPerAddress < 1)
        {
            errors.Add($"{MfaOptions.Section}:CodeFailuresPerUser and CodeFailuresPerAddress must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
