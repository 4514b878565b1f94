using System.Collections.Immutable;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// How strongly a session was authenticated, as OpenID Connect asks for it (<c>acr_values</c>, <c>max_age</c>) and
/// reports it (<c>acr</c>, <c>auth_time</c>). Two classes: two factors, under the PAPE policy URI or the short
/// <c>mfa</c>, and one factor, <c>1fa</c>. A request whose known acr values are all multi-factor ones gets a second
/// factor (or enrolment) for that authorization; unknown values are ignored, as acr_values is a voluntary request.
/// </summary>
public static class AuthenticationContext
{
    public const string MultiFactor = "http://schemas.openid.net/pape/policies/2007/06/multi-factor";
    public const string MultiFactorShort = "mfa";
    public const string SingleFactor = "1fa";

    /// <summary>For discovery's <c>acr_values_supported</c>.</summary>
    public static readonly string[] Supported = [MultiFactor, MultiFactorShort, SingleFactor];

    /// <summary>The session claim holding when the person last authenticated (Unix seconds), copied into the ID token's auth_time.</summary>
    public const string AuthenticationTimeClaim = Claims.AuthenticationTime;

    private static bool IsMultiFactor(string value) => value is MultiFactor or MultiFactorShort;

    /// <summary>The request names multi-factor classes only: with "mfa 1fa" one factor is still acceptable to the client.</summary>
    public static bool AsksForMultiFactor(OpenIddictRequest request)
    {
        var known = request.GetAcrValues().Where(v => Supported.Contains(v, StringComparer.Ordinal)).ToList();
        return known.Count > 0 && known.All(IsMultiFactor);
    }

    /// <summary>The acr of an ID token: the multi-factor class in the spelling the client asked for, else the URI; or one factor.</summary>
    public static string Achieved(OpenIddictRequest request, bool multiFactor) =>
        multiFactor ? request.GetAcrValues().FirstOrDefault(IsMultiFactor) ?? MultiFactor : SingleFactor;

    /// <summary>When the session's person authenticated: its own claim, or for sessions from before it existed, the cookie's issue time.</summary>
    public static DateTimeOffset? AuthenticatedAt(AuthenticateResult session) =>
        session.Principal?.FindFirst(AuthenticationTimeClaim)?.Value is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : session.Properties?.IssuedUtc;

    public static Claim AuthenticationTime(DateTimeOffset at) =>
        new(Claims.AuthenticationTime, at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64);

    /// <summary>
    /// Stamps every new session with its authentication time. The cookie's own issue time would not do: sliding
    /// expiration renews it while the session is used, which would make an old sign-in look fresh to max_age.
    /// </summary>
    public static IServiceCollection AddAuthenticationContext(this IServiceCollection services)
    {
        services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, cookie =>
        {
            var signingIn = cookie.Events.OnSigningIn;
            cookie.Events.OnSigningIn = context =>
            {
                if (context.Principal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == AuthenticationTimeClaim))
                {
                    // The handler has set the issue time (now, by its clock) before this event runs.
                    identity.AddClaim(AuthenticationTime(context.Properties.IssuedUtc ?? DateTimeOffset.UtcNow));
                }

                return signingIn(context);
            };
        });

        // Identity rebuilds the session's principal from the user row when it re-validates the security stamp (every 30
        // minutes by default); how and when the person authenticated would be lost, and a second factor asked again.
        services.Configure<SecurityStampValidatorOptions>(options => options.OnRefreshingPrincipal = context =>
        {
            if (context.NewPrincipal?.Identity is ClaimsIdentity fresh && context.CurrentPrincipal is { } current)
            {
                foreach (var claim in current.Claims.Where(c => c.Type is Claims.AuthenticationMethodReference or AuthenticationTimeClaim))
                {
                    fresh.AddClaim(new Claim(claim.Type, claim.Value, claim.ValueType));
                }
            }

            return Task.CompletedTask;
        });
        return services;
    }

    /// <summary>Discovery lists the acr values above.</summary>
    public static OpenIddictServerHandlerDescriptor Discovery { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseInlineHandler(context =>
            {
                context.Metadata[Metadata.AcrValuesSupported] = ImmutableArray.Create<string?>(Supported);
                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();
}
