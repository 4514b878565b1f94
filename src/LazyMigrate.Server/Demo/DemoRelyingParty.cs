using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LazyMigrate.Server.Oidc;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Demo;

public sealed class DemoOptions
{
    /// <summary>The seeded public client the demo signs in with (<c>LazyMigrate__Demo__ClientId</c>); its redirect URI is {issuer}demo/callback.</summary>
    public string ClientId { get; set; } = "demo";
}

/// <summary>What the demo learned from a completed sign-in.</summary>
public sealed record DemoSignIn(IReadOnlyList<KeyValuePair<string, string>> IdTokenClaims, string UserInfo, string IdToken, bool ReceivedRefreshToken);

/// <summary>
/// A relying party built into the server, talking to it over HTTP exactly as an outside application would:
/// authorization code with PKCE, token exchange, ID token checked against the published JWKS, userinfo.
/// </summary>
public sealed class DemoRelyingParty(HttpClient http, IOptions<OidcOptions> connect, IOptions<DemoOptions> demo,
    IDataProtectionProvider dataProtection, IOpenIddictApplicationManager applications)
{
    private const string CookieName = "lm.demo";
    private const string Scopes = "openid profile email phone offline_access";
    // Relaxed escaping only changes how "+" or "é" look in the JSON shown; Razor still HTML-encodes the whole text.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly IDataProtector _protector = dataProtection.CreateProtector("LazyMigrate.Demo.v1");

    private Uri Issuer => connect.Value.IssuerUri;

    public string ClientId => demo.Value.ClientId;

    public Uri RedirectUri => new(Issuer, "demo/callback");

    public Uri PostLogoutRedirectUri => new(Issuer, "demo");

    public async Task<bool> IsConfiguredAsync(CancellationToken cancellationToken) =>
        await applications.FindByClientIdAsync(ClientId, cancellationToken) is not null;

    /// <summary>Remembers state, nonce and PKCE verifier in a protected cookie and returns the authorization URL.</summary>
    public string BeginSignIn(HttpResponse response)
    {
        var flow = new PendingFlow(RandomToken(), RandomToken(), RandomToken());
        response.Cookies.Append(CookieName, _protector.Protect(JsonSerializer.Serialize(flow)), new CookieOptions
        {
            HttpOnly = true,
            Secure = Issuer.Scheme == Uri.UriSchemeHttps,
            SameSite = SameSiteMode.Lax,
            Path = "/demo",
            MaxAge = TimeSpan.FromMinutes(10),
        });

        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(flow.Verifier)));
        return new Uri(Issuer, "connect/authorize") + QueryString.Create(new Dictionary<string, string?>
        {
            ["client_id"] = ClientId,
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["response_type"] = "code",
            ["scope"] = Scopes,
            ["state"] = flow.State,
            ["nonce"] = flow.Nonce,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        }).ToUriComponent();
    }

    /// <summary>Checks the callback against the pending flow, redeems the code and validates the ID token.</summary>
    public async Task<DemoSignIn> CompleteSignInAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var query = context.Request.Query;
        var cookie = context.Request.Cookies[CookieName];
        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/demo" });
        if (query["error"].ToString() is { Length: > 0 } error)
        {
            throw new DemoFlowException($"The server answered {error}: {query["error_description"]}");
        }

        PendingFlow flow;
        try
        {
            flow = JsonSerializer.Deserialize<PendingFlow>(_protector.Unprotect(cookie ?? ""))!;
        }
        catch (CryptographicException)
        {
            throw new DemoFlowException("This sign-in was not started here, or took longer than ten minutes. Start again.");
        }

        // The state binds the callback to the browser that started the flow (CSRF protection for the redirect).
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(flow.State), Encoding.ASCII.GetBytes(query["state"].ToString())))
        {
            throw new DemoFlowException("The state parameter does not match: start again.");
        }

        using var tokenResponse = await http.PostAsync(new Uri(Issuer, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = query["code"].ToString(),
            ["redirect_uri"] = RedirectUri.AbsoluteUri,
            ["client_id"] = ClientId,
            ["code_verifier"] = flow.Verifier,
        }), cancellationToken);
        using var tokens = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(cancellationToken));
        if (!tokenResponse.IsSuccessStatusCode)
        {
            throw new DemoFlowException($"The token endpoint answered {tokens.RootElement.GetProperty("error")}.");
        }

        var idToken = tokens.RootElement.GetProperty("id_token").GetString()!;
        var accessToken = tokens.RootElement.GetProperty("access_token").GetString()!;
        var jwks = new JsonWebKeySet(await http.GetStringAsync(new Uri(Issuer, ".well-known/jwks"), cancellationToken));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            // The issuer identifier as published (exactly as configured), not the base URL the endpoints hang off.
            ValidIssuer = connect.Value.PublishedIssuer.AbsoluteUri,
            ValidAudience = ClientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        if (!validation.IsValid)
        {
            throw new DemoFlowException($"The ID token is not valid: {validation.Exception?.Message}");
        }

        var token = (JsonWebToken)validation.SecurityToken;
        if (!token.TryGetPayloadValue<string>("nonce", out var nonce) || nonce != flow.Nonce)
        {
            throw new DemoFlowException("The ID token's nonce does not match this sign-in.");
        }

        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(Issuer, "connect/userinfo"));
        userInfoRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var userInfoResponse = await http.SendAsync(userInfoRequest, cancellationToken);
        var userInfo = await userInfoResponse.Content.ReadAsStringAsync(cancellationToken);
        var pretty = JsonSerializer.Serialize(JsonDocument.Parse(userInfo).RootElement, Indented);

        var claims = token.Claims.Select(c => KeyValuePair.Create(c.Type, c.Value)).ToList();
        return new DemoSignIn(claims, pretty, idToken, tokens.RootElement.TryGetProperty("refresh_token", out _));
    }

    private static string RandomToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private sealed record PendingFlow(string State, string Nonce, string Verifier);
}

/// <summary>A demo sign-in that did not complete; the message is shown on the demo page.</summary>
public sealed class DemoFlowException(string message) : Exception(message);
