using LazyMigrate.Server.Oidc;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Mfa;

/// <summary>The <c>LazyMigrate:Passkeys</c> section: whose passkeys these are (the WebAuthn relying party).</summary>
public sealed class PasskeyOptions
{
    public const string Section = "LazyMigrate:Passkeys";

    /// <summary>
    /// The relying party id: a domain, the issuer's host or a parent of it (<c>example.com</c> for
    /// <c>login.example.com</c>). Default: the issuer's host. Passkeys are bound to it: changing it later orphans them.
    /// </summary>
    public string? ServerDomain { get; set; }

    /// <summary>The origins (<c>https://login.example.com</c>) pages may register and use passkeys from. Default: the issuer's origin.</summary>
    public List<string> AllowedOrigins { get; set; } = [];
}

/// <summary>Identity's passkey options from ours and the issuer: the relying party id and the origins a ceremony may come from.</summary>
public sealed class ConfigureIdentityPasskeys(IOptions<PasskeyOptions> passkeys, IOptions<OidcOptions> oidc) : IConfigureOptions<IdentityPasskeyOptions>
{
    public void Configure(IdentityPasskeyOptions options)
    {
        var issuer = oidc.Value.Issuer;
        options.ServerDomain = passkeys.Value.ServerDomain is { Length: > 0 } domain ? domain : issuer?.Host;
        var origins = passkeys.Value.AllowedOrigins.Count > 0
            ? passkeys.Value.AllowedOrigins.Select(o => o.TrimEnd('/')).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : issuer is null ? [] : new HashSet<string>([issuer.GetLeftPart(UriPartial.Authority)], StringComparer.OrdinalIgnoreCase);

        // Behind a proxy the request's own host may not be the public one, so the configured origins decide, not the
        // request. Never from a cross-origin frame: a passkey ceremony belongs to our own pages.
        options.ValidateOrigin = context => ValueTask.FromResult(!context.CrossOrigin && origins.Contains(context.Origin));

        // Passkeys here double as a second factor and as a passwordless first one: the authenticator must verify its
        // user (PIN, biometrics), and must keep the credential discoverable so the login page needs no username.
        options.UserVerificationRequirement = "required";
        options.ResidentKeyRequirement = "required";
    }
}

/// <summary>Refuses settings that cannot work, naming them.</summary>
public sealed class PasskeyOptionsValidator : IValidateOptions<PasskeyOptions>
{
    public ValidateOptionsResult Validate(string? name, PasskeyOptions options)
    {
        var errors = new List<string>();
        if (options.ServerDomain is { Length: > 0 } domain && Uri.CheckHostName(domain) != UriHostNameType.Dns)
        {
            errors.Add($"{PasskeyOptions.Section}:ServerDomain must be a domain name (passkeys cannot be bound to an IP address or a URL).");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                errors.Add($"{PasskeyOptions.Section}:AllowedOrigins entries must be origins such as https://login.example.com.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
