using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Account;

/// <summary>The account side of the <c>LazyMigrate</c> configuration section.</summary>
public sealed class AccountOptions
{
    public const string Section = "LazyMigrate";

    /// <summary>PBKDF2-HMAC-SHA512 iterations for native hashes (OWASP 2023: 210,000+). Raising it upgrades hashes at next login.</summary>
    public int PasswordHashIterations { get; set; } = 220_000;

    /// <summary>
    /// The native hash of new and upgraded passwords: <c>pbkdf2</c> (PBKDF2-HMAC-SHA512 at PasswordHashIterations, the
    /// default) or <c>argon2id</c> (19 MiB, 2 passes, 1 lane). Hashes of the other algorithm keep verifying and are
    /// rewritten with this one at the user's next successful sign-in.
    /// </summary>
    public string PasswordHashAlgorithm { get; set; } = PasswordHashAlgorithms.Pbkdf2;

    /// <summary>The bootstrap administrator, created when missing (<c>LazyMigrate__Admin__Email</c>, <c>__Password</c>).</summary>
    public AdminDefinition Admin { get; set; } = new();
}

public sealed class AdminDefinition
{
    public string? Email { get; set; }

    public string? Password { get; set; }
}

public static class PasswordHashAlgorithms
{
    public const string Pbkdf2 = "pbkdf2";
    public const string Argon2id = "argon2id";
}

/// <summary>What a password must be. Length only: composition rules push people towards predictable passwords (NIST SP 800-63B).</summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 8;

    /// <summary>Long enough for passphrases and password managers; the whole password is always hashed, never truncated.</summary>
    public const int MaximumLength = 256;
}

public sealed class AccountOptionsValidator : IValidateOptions<AccountOptions>
{
    public ValidateOptionsResult Validate(string? name, AccountOptions options)
    {
        var failures = new List<string>();
        if (options.PasswordHashIterations < 100_000)
        {
            failures.Add("LazyMigrate:PasswordHashIterations (LazyMigrate__PasswordHashIterations) must be at least 100000.");
        }

        if (options.PasswordHashAlgorithm is not (PasswordHashAlgorithms.Pbkdf2 or PasswordHashAlgorithms.Argon2id))
        {
            failures.Add($"LazyMigrate:PasswordHashAlgorithm (LazyMigrate__PasswordHashAlgorithm) must be {PasswordHashAlgorithms.Pbkdf2} or {PasswordHashAlgorithms.Argon2id}.");
        }

        var admin = options.Admin;
        if (string.IsNullOrWhiteSpace(admin.Email) != string.IsNullOrEmpty(admin.Password))
        {
            failures.Add("LazyMigrate:Admin:Email and LazyMigrate:Admin:Password (LazyMigrate__Admin__Email, LazyMigrate__Admin__Password) must be set together.");
        }
        else if (admin.Password is { } password && password.Length is < PasswordPolicy.MinimumLength or > PasswordPolicy.MaximumLength)
        {
            failures.Add($"LazyMigrate:Admin:Password must be {PasswordPolicy.MinimumLength} to {PasswordPolicy.MaximumLength} characters long.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
