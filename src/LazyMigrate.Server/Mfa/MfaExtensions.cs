using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Mfa;

public static class MfaExtensions
{
    /// <summary>
    /// Second factors over ASP.NET Core Identity: its authenticator and recovery codes (kept protected and hashed by
    /// <see cref="ProtectedUserStore"/>), a replay-proof code provider, the factor records, and the "remember this
    /// browser" cookie. Call after <c>AddAccounts</c>, whose Identity registration this refines.
    /// </summary>
    public static IServiceCollection AddMfa(this IServiceCollection services)
    {
        services.AddOptions<MfaOptions>().BindConfiguration(MfaOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MfaOptions>, MfaOptionsValidator>();
        services.Replace(ServiceDescriptor.Scoped<IUserStore<User>, ProtectedUserStore>());
        services.AddScoped<MfaFactors>();
        services.AddScoped<Passkeys>();
        services.AddOptions<PasskeyOptions>().BindConfiguration(PasskeyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasskeyOptions>, PasskeyOptionsValidator>();
        services.AddSingleton<IConfigureOptions<IdentityPasskeyOptions>, ConfigureIdentityPasskeys>();
        services.TryAddScoped<IPasskeyHandler<User>, PasskeyHandler<User>>();
        services.AddSingleton<MfaCarryOver>();
        services.AddScoped<AuthenticatorCodeProvider>();
        services.Configure<IdentityOptions>(options =>
        {
            options.Tokens.ProviderMap[AuthenticatorCodeProvider.Name] = new TokenProviderDescriptor(typeof(AuthenticatorCodeProvider));
            options.Tokens.AuthenticatorTokenProvider = AuthenticatorCodeProvider.Name;
            // Identity's two-factor sign-in counts wrong codes towards a lockout (5 by default), which would let anyone
            // who has the password lock its owner out. Accounts are never locked here: the login throttle slows guessing.
            options.Lockout.MaxFailedAccessAttempts = int.MaxValue;
        });

        // Identity's remember-me cookie, bounded: it never slides, and changing a factor (a new security stamp) ends it.
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.TwoFactorRememberMeScheme)
            .Configure<IOptions<MfaOptions>>((cookie, mfa) =>
            {
                cookie.Cookie.Name = "lm.remember-browser";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.ExpireTimeSpan = mfa.Value.RememberBrowserFor;
                cookie.SlidingExpiration = false;
            });
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.TwoFactorUserIdScheme).Configure(cookie =>
        {
            // Between the password and the code: short, and never readable by scripts.
            cookie.Cookie.Name = "lm.second-factor";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(5);
        });
        return services;
    }

    /// <summary>Identity's passkey table, plus the time each passkey last signed its user in.</summary>
    public static void ConfigurePasskeys(EntityTypeBuilder<UserPasskey> passkey) => passkey.Property(p => p.LastUsedAt);

    /// <summary>The factor records' table: one authenticator, phone or email record per user.</summary>
    public static void ConfigureMfaFactors(EntityTypeBuilder<MfaFactor> factor)
    {
        factor.ToTable("MfaFactors");
        factor.Property(f => f.Kind).HasConversion<string>().HasMaxLength(16);
        factor.Property(f => f.Origin).HasMaxLength(160);
        factor.HasOne<User>().WithMany().HasForeignKey(f => f.UserId).OnDelete(DeleteBehavior.Cascade);
        // The replay guard's upsert decides on this index.
        factor.HasIndex(f => new { f.UserId, f.Kind }).IsUnique();
    }
}
