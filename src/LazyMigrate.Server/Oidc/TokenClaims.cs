using System.Globalization;
using System.Security.Claims;
using LazyMigrate.Server.Data;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LazyMigrate.Server.Oidc;

/// <summary>What a user's tokens and userinfo say about them, per granted scope, and which token each claim goes into.</summary>
public static class TokenClaims
{
    /// <summary>Every claim ID tokens and userinfo may carry about a user, for discovery's <c>claims_supported</c>.</summary>
    public static readonly string[] Supported =
    [
        Claims.Subject, Claims.Name, Claims.GivenName, Claims.FamilyName, Claims.Nickname, Claims.PreferredUsername,
        Claims.Picture, Claims.Email, Claims.EmailVerified, Claims.PhoneNumber, Claims.PhoneNumberVerified,
    ];

    /// <summary>The user's claims the granted scopes allow, from the current user row (never from a stale token).</summary>
    public static IEnumerable<(string Type, object Value)> Describe(User user, IEnumerable<string> roles, ICollection<string> scopes)
    {
        // sub is our stable user id; it never changes, even when the email or username does.
        yield return (Claims.Subject, user.Id.ToString());

        if (scopes.Contains(Scopes.Profile))
        {
            foreach (var (type, value) in new[]
            {
                (Claims.Name, user.Name), (Claims.GivenName, user.GivenName), (Claims.FamilyName, user.FamilyName),
                (Claims.Nickname, user.Nickname), (Claims.PreferredUsername, user.UserName), (Claims.Picture, user.Picture),
            })
            {
                if (!string.IsNullOrEmpty(value))
                {
                    yield return (type, value);
                }
            }
        }

        if (scopes.Contains(Scopes.Email) && !string.IsNullOrEmpty(user.Email))
        {
            yield return (Claims.Email, user.Email);
            yield return (Claims.EmailVerified, user.EmailConfirmed);
        }

        if (scopes.Contains(Scopes.Phone) && !string.IsNullOrEmpty(user.PhoneNumber))
        {
            yield return (Claims.PhoneNumber, user.PhoneNumber);
            yield return (Claims.PhoneNumberVerified, user.PhoneNumberConfirmed);
        }

        foreach (var role in roles)
        {
            yield return (Claims.Role, role);
        }
    }

    /// <summary>Replaces the user claims of <paramref name="identity"/> (whose scopes are already set) with current ones.</summary>
    public static ClaimsIdentity Apply(ClaimsIdentity identity, User user, IEnumerable<string> roles)
    {
        foreach (var type in new[]
        {
            Claims.Subject, Claims.Name, Claims.GivenName, Claims.FamilyName, Claims.Nickname, Claims.PreferredUsername,
            Claims.Picture, Claims.Email, Claims.EmailVerified, Claims.PhoneNumber, Claims.PhoneNumberVerified, Claims.Role,
        })
        {
            identity.RemoveClaims(type);
        }

        foreach (var (type, value) in Describe(user, roles, identity.GetScopes()))
        {
            identity.AddClaim(value is bool flag
                ? new Claim(type, flag ? "true" : "false", ClaimValueTypes.Boolean)
                : new Claim(type, Convert.ToString(value, CultureInfo.InvariantCulture)!));
        }

        identity.SetDestinations(GetDestinations);
        return identity;
    }

    /// <summary>
    /// The one place that decides which claim goes into which token. Profile claims reach the ID token only when the
    /// matching scope was granted; roles stay in the access token, which only resource servers read.
    /// </summary>
    public static IEnumerable<string> GetDestinations(Claim claim)
    {
        var identity = claim.Subject;
        return claim.Type switch
        {
            Claims.Name or Claims.GivenName or Claims.FamilyName or Claims.Nickname or Claims.PreferredUsername or Claims.Picture
                when identity?.HasScope(Scopes.Profile) == true => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.Email or Claims.EmailVerified
                when identity?.HasScope(Scopes.Email) == true => [Destinations.AccessToken, Destinations.IdentityToken],
            Claims.PhoneNumber or Claims.PhoneNumberVerified
                when identity?.HasScope(Scopes.Phone) == true => [Destinations.AccessToken, Destinations.IdentityToken],

            // How and when the person authenticated, and how strongly: for the relying party, in the ID token only.
            Claims.AuthenticationMethodReference or Claims.AuthenticationContextReference or Claims.AuthenticationTime => [Destinations.IdentityToken],

            // Identity's security stamp must never leave the server.
            "AspNet.Identity.SecurityStamp" => [],
            _ => [Destinations.AccessToken],
        };
    }
}
