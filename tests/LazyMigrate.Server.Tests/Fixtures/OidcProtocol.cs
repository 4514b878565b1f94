using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// An authorization request as a relying party builds it: fresh state, nonce and PKCE verifier. Properties can be
/// changed to build wrong requests (no PKCE, plain PKCE, another redirect URI, another response type).
/// </summary>
public sealed record AuthorizationRequest(TestClient Client, string Scope = "openid profile email phone offline_access")
{
    public string State { get; init; } = Random();

    public string Nonce { get; init; } = Random();

    public string CodeVerifier { get; init; } = Random();

    public string ResponseType { get; init; } = "code";

    public Uri? RedirectUri { get; init; } = Client.RedirectUri;

    /// <summary>"S256" (default), "plain", or null to send no PKCE parameters at all.</summary>
    public string? CodeChallengeMethod { get; init; } = "S256";

    public string? Prompt { get; init; }

    /// <summary>The acr_values parameter: authentication context classes asked for, in order of preference.</summary>
    public string? AcrValues { get; init; }

    /// <summary>The max_age parameter, in seconds.</summary>
    public int? MaxAge { get; init; }

    public string ToUrl()
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = Client.ClientId,
            ["redirect_uri"] = RedirectUri?.AbsoluteUri,
            ["response_type"] = ResponseType,
            ["scope"] = Scope,
            ["state"] = State,
            ["nonce"] = Nonce,
            ["prompt"] = Prompt,
            ["acr_values"] = AcrValues,
            ["max_age"] = MaxAge?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (CodeChallengeMethod is not null)
        {
            parameters["code_challenge"] = CodeChallengeMethod == "plain"
                ? CodeVerifier
                : Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(CodeVerifier)));
            parameters["code_challenge_method"] = CodeChallengeMethod;
        }

        return "/connect/authorize" + QueryString.Create(parameters.Where(p => p.Value is not null));
    }

    private static string Random() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
}

/// <summary>The query of a redirect back to a client: code or error, state, issuer.</summary>
public sealed record Callback(Uri Uri)
{
    private readonly Dictionary<string, Microsoft.Extensions.Primitives.StringValues> _query = QueryHelpers.ParseQuery(Uri.Query);

    public string? this[string name] => _query.TryGetValue(name, out var value) ? value.ToString() : null;

    public string? Code => this["code"];

    public string? Error => this["error"];

    public string? State => this["state"];
}

/// <summary>A token, revocation or userinfo endpoint answer.</summary>
public sealed record ProtocolResponse(HttpStatusCode Status, JsonElement Json)
{
    public string? this[string name] => Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty(name, out var value)
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
        : null;

    public string? Error => this["error"];

    public string? AccessToken => this["access_token"];

    public string? RefreshToken => this["refresh_token"];

    public string? IdToken => this["id_token"];
}

/// <summary>The relying party's side of the protocol, over the server's HTTP endpoints.</summary>
public static class OidcProtocol
{
    public static Task<ProtocolResponse> ExchangeCodeAsync(this HttpClient http, AuthorizationRequest request, string code) =>
        http.PostFormAsync("/connect/token", Authenticate(request.Client, new()
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = request.RedirectUri!.AbsoluteUri,
            ["code_verifier"] = request.CodeVerifier,
        }));

    public static Task<ProtocolResponse> RefreshAsync(this HttpClient http, TestClient client, string refreshToken) =>
        http.PostFormAsync("/connect/token", Authenticate(client, new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken }));

    public static Task<ProtocolResponse> ClientCredentialsAsync(this HttpClient http, string clientId, string? secret, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId };
        if (secret is not null)
        {
            form["client_secret"] = secret;
        }

        if (scope is not null)
        {
            form["scope"] = scope;
        }

        return http.PostFormAsync("/connect/token", form);
    }

    public static Task<ProtocolResponse> RevokeAsync(this HttpClient http, TestClient client, string token, string tokenTypeHint) =>
        http.PostFormAsync("/connect/revoke", Authenticate(client, new() { ["token"] = token, ["token_type_hint"] = tokenTypeHint }));

    public static Task<ProtocolResponse> IntrospectAsync(this HttpClient http, TestClient client, string token) =>
        http.PostFormAsync("/connect/introspect", Authenticate(client, new() { ["token"] = token }));

    public static async Task<ProtocolResponse> UserInfoAsync(this HttpClient http, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request);
        return await ReadAsync(response);
    }

    public static async Task<ProtocolResponse> PostFormAsync(this HttpClient http, string path, Dictionary<string, string> form)
    {
        using var response = await http.PostAsync(path, new FormUrlEncodedContent(form));
        return await ReadAsync(response);
    }

    /// <summary>Validates an ID token the way a relying party must: signature against the published JWKS, issuer, audience, lifetime.</summary>
    public static Task<JsonWebToken> ValidateIdTokenAsync(this HttpClient http, string idToken, Uri issuer, string audience) =>
        http.ValidateIdTokenAsync(idToken, issuer.AbsoluteUri, audience);

    /// <inheritdoc cref="ValidateIdTokenAsync(HttpClient, string, Uri, string)"/>
    public static async Task<JsonWebToken> ValidateIdTokenAsync(this HttpClient http, string idToken, string issuer, string audience)
    {
        var jwks = new JsonWebKeySet(await http.GetStringAsync("/.well-known/jwks"));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidAudience = audience,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        return result.IsValid ? (JsonWebToken)result.SecurityToken : throw new SecurityTokenException("ID token rejected.", result.Exception);
    }

    private static Dictionary<string, string> Authenticate(TestClient client, Dictionary<string, string> form)
    {
        form["client_id"] = client.ClientId;
        if (client.Secret is not null)
        {
            form["client_secret"] = client.Secret;
        }

        return form;
    }

    private static async Task<ProtocolResponse> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var json = body.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
            ? JsonDocument.Parse(body).RootElement.Clone()
            : default;
        if (json.ValueKind == JsonValueKind.Undefined && response.Headers.WwwAuthenticate.FirstOrDefault()?.Parameter is { } challenge)
        {
            // Bearer errors (userinfo) come in the WWW-Authenticate header: error="invalid_token", ...
            var error = System.Text.RegularExpressions.Regex.Match(challenge, "error=\"(?<e>[^\"]+)\"").Groups["e"].Value;
            json = JsonDocument.Parse(JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = error })).RootElement.Clone();
        }

        return new ProtocolResponse(response.StatusCode, json);
    }
}

/// <summary>The whole code flow, for tests about what comes after it.</summary>
public static class CodeFlow
{
    public sealed record Result(AuthorizationRequest Request, ProtocolResponse Tokens);

    public static async Task<Result> SignInAsync(this Browser browser, TestClient client, TestUser user, string scope = "openid profile email phone offline_access")
    {
        var request = new AuthorizationRequest(client, scope);
        var page = await browser.AuthorizeAsync(request, user);
        var callback = new Callback(page.ExternalRedirect ?? throw new InvalidOperationException($"The flow stopped at {page.Url} ({page.Status}):\n{page.Html}"));
        if (callback.Code is null)
        {
            throw new InvalidOperationException($"The server answered {callback.Error}: {callback["error_description"]}");
        }

        var tokens = await browser.Http.ExchangeCodeAsync(request, callback.Code);
        if (tokens.Status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The code exchange failed: {tokens.Error} {tokens["error_description"]}");
        }

        return new Result(request, tokens);
    }
}
