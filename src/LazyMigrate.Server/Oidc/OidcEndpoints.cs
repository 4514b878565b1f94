using System.Collections.Immutable;
using System.Security.Claims;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Login;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// The OIDC endpoints OpenIddict passes through to us (authorization, token, userinfo, end-session). OpenIddict has
/// already validated each request (client, redirect URI, PKCE, grant type) before a handler here runs; the handlers decide
/// who the user is and what goes into the tokens. Kept close to the OpenIddict samples so it compares with upstream.
/// </summary>
public static class OidcEndpoints
{
    public const string AuthorizationPath = "/connect/authorize";
    public const string EndSessionPath = "/connect/endsession";

    public static IEndpointRouteBuilder MapOidc(this IEndpointRouteBuilder app)
    {
        app.MapMethods(AuthorizationPath, [HttpMethods.Get, HttpMethods.Post], Authorize);
        app.MapPost("/connect/token", Exchange);
        app.MapMethods("/connect/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfo);
        app.MapMethods(EndSessionPath, [HttpMethods.Get, HttpMethods.Post], EndSession);
        return app;
    }

    private static async Task<IResult> Authorize(
        HttpContext context,
        UserManager<User> users,
        SignInManager<User> signIn,
        IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictScopeManager scopes,
        IAntiforgery antiforgery,
        TimeProvider time)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        var session = await context.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var authenticatedAt = AuthenticationContext.AuthenticatedAt(session);
        // Whole seconds, as auth_time says it: max_age=0 asks for a sign-in in this very request, like prompt=login.
        var tooOld = request.MaxAge is { } maxAge && authenticatedAt is { } at
            && (maxAge == 0 || time.GetUtcNow().ToUnixTimeSeconds() - at.ToUnixTimeSeconds() > maxAge);
        if (!session.Succeeded || request.HasPromptValue(PromptValues.Login) || tooOld)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not logged in.");
            }

            // Send the user to the login page and back here without prompt=login or max_age, which the sign-in about to
            // happen satisfies: kept, they would send the person round again (the ID token's auth_time still says when).
            var parameters = RequestParameters(context).Where(p => p.Key != Parameters.Prompt && p.Key != Parameters.MaxAge).ToList();
            var prompt = string.Join(' ', request.GetPromptValues().Remove(PromptValues.Login));
            if (prompt.Length > 0)
            {
                parameters.Add(KeyValuePair.Create(Parameters.Prompt, new StringValues(prompt)));
            }

            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = context.Request.PathBase + AuthorizationPath + QueryString.Create(parameters) },
                [IdentityConstants.ApplicationScheme]);
        }

        // The session's security stamp must still be the user's: blocking, a password reset or deletion ends it here,
        // not when the cookie's own validation interval next comes round.
        var user = await signIn.ValidateSecurityStampAsync(session.Principal);
        if (user is null)
        {
            // The session outlived its user (deleted) or its stamp (blocked, password changed): start over.
            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            return Results.Redirect(context.Request.PathBase + AuthorizationPath + QueryString.Create(RequestParameters(context)));
        }

        if (!await signIn.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
        {
            await context.SignOutAsync(IdentityConstants.ApplicationScheme);
            return Forbid(Errors.AccessDenied, "The user is no longer allowed to sign in.");
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("The client application cannot be found.");
        var subject = user.Id.ToString();
        var applicationId = await applications.GetIdAsync(application);
        var existing = await authorizations.FindAsync(
            subject: subject, client: applicationId, status: Statuses.Valid, type: AuthorizationTypes.Permanent,
            scopes: request.GetScopes()).ToListAsync();

        // The client, or this request's acr_values, asks for a second factor and this session had none: the code step
        // (a remembered browser does not count here), or enrolment first. The client's setting is read from the
        // database at each request, so a change holds from the next authorization on every node.
        var multiFactor = session.Principal!.HasClaim(Claims.AuthenticationMethodReference, "mfa");
        if (!multiFactor && (AuthenticationContext.AsksForMultiFactor(request) || await ClientMfaPolicy.RequiresMfaAsync(applications, application)))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.InteractionRequired, "A second factor is required.");
            }

            var here = context.Request.PathBase + AuthorizationPath + QueryString.Create(RequestParameters(context).Where(p => p.Key != Parameters.Prompt));
            if (await users.GetTwoFactorEnabledAsync(user))
            {
                // Step up: the session has proved the password, so only the code is asked, on the code page, which turns
                // Identity's short two-factor cookie into a session with the second factor.
                await context.SignInAsync(IdentityConstants.TwoFactorUserIdScheme, SecondFactorSignIn.PendingPrincipal(user));
                return Results.Redirect(context.Request.PathBase + "/Account/SecondFactor" + QueryString.Create("ReturnUrl", here));
            }

            return Results.Redirect(context.Request.PathBase + "/Account/Security" + QueryString.Create("returnUrl", here));
        }

        var needsConsent = await applications.HasConsentTypeAsync(application, ConsentTypes.Explicit)
            && (existing.Count == 0 || request.HasPromptValue(PromptValues.Consent));
        if (needsConsent)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.ConsentRequired, "Interactive user consent is required.");
            }

            var decision = await ConsentDecisionAsync(context, antiforgery);
            if (decision is null)
            {
                return Results.Redirect(context.Request.PathBase + "/Account/Consent" + QueryString.Create(RequestParameters(context)));
            }

            if (decision is false)
            {
                return Forbid(Errors.AccessDenied, "The user denied the authorization request.");
            }
        }

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetScopes(request.GetScopes());
        identity.SetResources(await scopes.ListResourcesAsync(identity.GetScopes()).ToListAsync());
        TokenClaims.Apply(identity, user, await users.GetRolesAsync(user));

        // How this session was authenticated (RFC 8176: pwd, otp, mfa...), so a relying party can tell a second factor happened.
        var methods = session.Principal!.FindAll(Claims.AuthenticationMethodReference).Select(c => c.Value).Distinct(StringComparer.Ordinal).ToImmutableArray();
        if (methods.Length > 0)
        {
            identity.SetClaims(Claims.AuthenticationMethodReference, methods);
        }

        // What was achieved (acr) and when the person authenticated (auth_time, which max_age makes required): in
        // every ID token, so a relying party can check either whether it asked or not.
        identity.SetClaim(Claims.AuthenticationContextReference, AuthenticationContext.Achieved(request, multiFactor));
        if (authenticatedAt is { } authenticated)
        {
            identity.AddClaim(AuthenticationContext.AuthenticationTime(authenticated));
        }

        // A permanent authorization ties the code, access and refresh tokens together, so revoking it (or reusing a
        // refresh token) revokes the whole chain.
        var authorization = existing.LastOrDefault()
            ?? await authorizations.CreateAsync(identity, subject, applicationId!, AuthorizationTypes.Permanent, identity.GetScopes());
        identity.SetAuthorizationId(await authorizations.GetIdAsync(authorization));

        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Exchange(HttpContext context, IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopes)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // Resolved here rather than as parameters: a machine client's grant needs neither Identity service, and
            // they are among the costliest of a request to build.
            var users = context.RequestServices.GetRequiredService<UserManager<User>>();
            var signIn = context.RequestServices.GetRequiredService<SignInManager<User>>();
            // OpenIddict has validated the code or refresh token (and redeemed it); its principal carries the scopes.
            var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            var user = result.Principal?.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id) : null;
            if (user is null)
            {
                return Forbid(Errors.InvalidGrant, "The token is no longer valid.");
            }

            // A user locked out or blocked since the token was issued gets no fresh tokens.
            if (!await signIn.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
            {
                return Forbid(Errors.InvalidGrant, "The user is no longer allowed to sign in.");
            }

            var identity = new ClaimsIdentity(result.Principal!.Claims, TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            TokenClaims.Apply(identity, user, await users.GetRolesAsync(user));
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsClientCredentialsGrantType())
        {
            // The client authenticated with its secret and OpenIddict checked the requested scopes against its permissions.
            var application = await applications.FindByClientIdAsync(request.ClientId!)
                ?? throw new InvalidOperationException("The client application cannot be found.");
            var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, await applications.GetClientIdAsync(application));
            identity.SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application));
            // Which client row, not only which client id: a client re-created under the same id does not revive these tokens.
            identity.SetClaim(TokensOfRemovedClients.ApplicationIdClaim, await applications.GetIdAsync(application));
            identity.SetScopes(request.GetScopes());
            identity.SetResources(await scopes.ListResourcesAsync(identity.GetScopes()).ToListAsync());
            identity.SetDestinations(TokenClaims.GetDestinations);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        // OpenIddict rejects every grant type not enabled on the server before this handler runs.
        throw new InvalidOperationException("The specified grant type is not supported.");
    }

    private static async Task<IResult> UserInfo(HttpContext context, UserManager<User> users)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

        // A client-credentials token's subject is the client id, not a user: there is no user to describe.
        var user = Guid.TryParse(result.Principal?.GetClaim(Claims.Subject), out var id) ? await users.FindByIdAsync(id.ToString()) : null;
        if (user is null)
        {
            return Results.Challenge(
                Properties(Errors.InvalidToken, "The specified access token is not bound to an existing user account."),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        // Roles are for resource servers, not for the relying party's view of the user.
        var claims = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (type, value) in TokenClaims.Describe(user, [], result.Principal!.GetScopes()))
        {
            claims[type] = value;
        }

        return Results.Ok(claims);
    }

    private static async Task<IResult> EndSession(HttpContext context, IAntiforgery antiforgery)
    {
        // Only a confirmed POST from our own logout page signs out: a bare GET could be triggered by any site.
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.HasFormContentType
            || !context.Request.Form.ContainsKey("submit.Logout") || !await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Redirect(context.Request.PathBase + "/Account/Logout" + QueryString.Create(RequestParameters(context)));
        }

        await context.SignOutAsync(IdentityConstants.ApplicationScheme);

        // OpenIddict redirects to the client's post_logout_redirect_uri when it is valid, else to RedirectUri.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>Accept (true), deny (false) or not yet asked (null). Only a POST from our consent form with a valid antiforgery token counts.</summary>
    private static async Task<bool?> ConsentDecisionAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.HasFormContentType)
        {
            return null;
        }

        var form = context.Request.Form;
        if (!form.ContainsKey("submit.Accept") && !form.ContainsKey("submit.Deny"))
        {
            return null;
        }

        // Without this check another site could post an "Allow" on the user's behalf.
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return null;
        }

        return form.ContainsKey("submit.Accept");
    }

    /// <summary>The protocol parameters of the current request, minus our own form fields, for redirects that carry them on.</summary>
    private static IEnumerable<KeyValuePair<string, StringValues>> RequestParameters(HttpContext context)
    {
        IEnumerable<KeyValuePair<string, StringValues>> source = context.Request.HasFormContentType ? context.Request.Form : context.Request.Query;
        return source.Where(p => !p.Key.StartsWith("submit.", StringComparison.Ordinal) && p.Key != "__RequestVerificationToken");
    }

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(Properties(error, description), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static AuthenticationProperties Properties(string error, string description) => new(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    });
}
