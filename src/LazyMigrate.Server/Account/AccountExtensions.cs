using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Account;

public static class AccountExtensions
{
    /// <summary>
    /// ASP.NET Core Identity over our users, the native password policy and hash, the session cookie, the bootstrap
    /// admin and password reset.
    /// </summary>
    public static IServiceCollection AddAccounts(this IServiceCollection services)
    {
        services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AccountOptions>, AccountOptionsValidator>();

        // Before AddIdentity, which only adds its own normalizer when none is registered.
        services.AddSingleton<ILookupNormalizer, UnicodeLookupNormalizer>();
        services.AddIdentity<User, Role>(options =>
            {
                options.Password.RequiredLength = PasswordPolicy.MinimumLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
                options.User.RequireUniqueEmail = true;

                // Usernames are validated addresses (EmailAddresses) or legacy usernames imported as they were; Identity's
                // ASCII-only default would refuse at registration the addresses migration accepts (jörg@…).
                options.User.AllowedUserNameCharacters = string.Empty;
                // No MaxFailedAccessAttempts: sign-in never counts failures (the throttle does); lockout is an admin's block.
                options.Lockout.AllowedForNewUsers = true;
                // The passkey table (AspNetUserPasskeys); LazyMigrateDbContext builds its model with the same version.
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddEntityFrameworkStores<LazyMigrateDbContext>()
            .AddDefaultTokenProviders()
            .AddPasswordValidator<MaximumLengthPasswordValidator>();

        // Identity's hasher, which also reads the legacy hashes of bulk-imported users (one instance: it keeps the decoy hash).
        services.Replace(ServiceDescriptor.Singleton<IPasswordHasher<User>, LegacyAwarePasswordHasher>());
        services.AddOptions<LegacyVerificationOptions>().BindConfiguration(LegacyVerificationOptions.Section);
        services.AddSingleton<LegacyVerificationMemory>();

        // Identity's V3 format is PBKDF2-HMAC-SHA512; a stored hash with fewer iterations verifies as
        // SuccessRehashNeeded and is rewritten at this count on the next successful login.
        services.AddOptions<PasswordHasherOptions>()
            .Configure<IOptions<AccountOptions>>((hasher, account) => hasher.IterationCount = account.Value.PasswordHashIterations);

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/Account/Login";
            options.LogoutPath = "/Account/Logout";
            options.AccessDeniedPath = "/Account/Login";
            options.Cookie.Name = "lm.session";
            options.Cookie.HttpOnly = true;

            // Secure whenever the request is https (behind a proxy: as X-Forwarded-Proto from a known proxy says).
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

            // Lax, not Strict: the session must travel with the top-level redirect from a client to /connect/authorize.
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
        });

        services.AddAntiforgery(options => options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);

        services.AddScoped<AccountRateLimits>();
        services.AddScoped<IDatabaseSeeder, BootstrapAdmin>();

        // Reset requests are answered at once and written to PostgreSQL; any node does the lookup and queues the email.
        services.AddOptions<PasswordResetOptions>().BindConfiguration(PasswordResetOptions.Section);
        services.AddSingleton<PasswordResetRequests>();
        services.AddHostedService<PasswordResetWorker>();
        services.AddScoped<PasswordResets>();
        return services;
    }
}

/// <summary>Rejects passwords longer than the policy allows; Identity itself has no upper bound.</summary>
public sealed class MaximumLengthPasswordValidator : IPasswordValidator<User>
{
    public Task<IdentityResult> ValidateAsync(UserManager<User> manager, User user, string? password) =>
        Task.FromResult(password is { Length: > PasswordPolicy.MaximumLength }
            ? IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordTooLong",
                Description = $"Passwords must be at most {PasswordPolicy.MaximumLength} characters.",
            })
            : IdentityResult.Success);
}

/// <summary>
/// Identity's lookup keys, with Unicode normalisation first: an address or username typed with decomposed accents
/// finds the same account, and the unique index on the normalised email sees them as one.
/// </summary>
public sealed class UnicodeLookupNormalizer : ILookupNormalizer
{
    public string? NormalizeName(string? name) => name?.Normalize(System.Text.NormalizationForm.FormC).ToUpperInvariant();

    public string? NormalizeEmail(string? email) => email?.Trim().Normalize(System.Text.NormalizationForm.FormC).ToUpperInvariant();
}
