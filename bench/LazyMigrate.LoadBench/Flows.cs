using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Data;

namespace LazyMigrate.LoadBench;

/// <summary>
/// The protocol steps the bench prepares its loads with, over real HTTP: a signed-in browser session, authorization
/// codes through it, their exchange for tokens, and single requests whose database command count the server reports.
/// </summary>
internal sealed partial class Flows(Uri server, string clientId, string redirectUri, string password) : IDisposable
{
    private readonly HttpClient _browser = new(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = server };
    private readonly HttpClient _plain = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server };
    private (string Cookie, string Token)? _loginForm;

    /// <summary>One PKCE verifier for every code: a bench needs no secrecy, only valid S256 pairs.</summary>
    public string CodeVerifier { get; } = Base64Url(RandomNumberGenerator.GetBytes(32));

    private string CodeChallenge => Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(CodeVerifier)));

    public async Task SignInAsync(string email)
    {
        var page = await _browser.GetStringAsync(new Uri("Account/Login", UriKind.Relative));
        using var response = await _browser.PostAsync(new Uri("Account/Login", UriKind.Relative), LoginBody(email, AntiforgeryToken().Match(page).Groups[1].Value));
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"signing in {email} answered {(int)response.StatusCode}");
        }
    }

    /// <summary>The antiforgery cookie and token of one anonymous view of the login page, for posts without a cookie jar.</summary>
    public async Task<(string Cookie, string Token)> LoginFormAsync()
    {
        if (_loginForm is { } form)
        {
            return form;
        }

        using var response = await _plain.GetAsync(new Uri("Account/Login", UriKind.Relative));
        var page = await response.Content.ReadAsStringAsync();
        var cookie = string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        _loginForm = (cookie, AntiforgeryToken().Match(page).Groups[1].Value);
        return _loginForm.Value;
    }

    public async Task<HttpResponseMessage> LoginCountedAsync(string email)
    {
        var (cookie, token) = await LoginFormAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("Account/Login", UriKind.Relative)) { Content = LoginBody(email, token) };
        request.Headers.Add("Cookie", cookie);
        var response = await _plain.SendAsync(request);
        return Expect(response, HttpStatusCode.Redirect, "sign-in of " + email);
    }

    public async Task<HttpResponseMessage> ClientCredentialsAsync(string client, string secret, string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("connect/token", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client}:{secret}")));
        return Expect(await _plain.SendAsync(request), HttpStatusCode.OK, "client-credentials grant");
    }

    public async Task<HttpResponseMessage> AuthorizeCountedAsync()
    {
        var response = await _browser.GetAsync(AuthorizeUri());
        return Expect(response, HttpStatusCode.Redirect, "authorization request");
    }

    public async Task<string> CodeAsync()
    {
        using var response = await AuthorizeCountedAsync();
        var location = response.Headers.Location ?? throw new InvalidOperationException("the authorization request did not redirect");
        return CodeParameter().Match(location.Query).Groups[1].Value is { Length: > 0 } code
            ? Uri.UnescapeDataString(code)
            : throw new InvalidOperationException("the authorization response has no code: " + location);
    }

    public async Task<string[]> CodesAsync(int count, int concurrency)
    {
        var codes = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, _) => codes.Add(await CodeAsync()));
        return [.. codes];
    }

    public async Task<HttpResponseMessage> ExchangeCountedAsync() => await ExchangeAsync(await CodeAsync());

    public async Task<HttpResponseMessage> RefreshCountedAsync()
    {
        var tokens = await TokensAsync(await ExchangeAsync(await CodeAsync()));
        return Expect(await _plain.PostAsync(new Uri("connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = clientId,
            ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!,
        })), HttpStatusCode.OK, "refresh grant");
    }

    public async Task<HttpResponseMessage> UserInfoCountedAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("connect/userinfo", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await AccessTokenAsync());
        return Expect(await _plain.SendAsync(request), HttpStatusCode.OK, "userinfo");
    }

    public async Task<string> AccessTokenAsync() =>
        (await TokensAsync(await ExchangeAsync(await CodeAsync()))).GetProperty("access_token").GetString()!;

    public async Task<string[]> RefreshTokensAsync(int count, int concurrency)
    {
        var tokens = new ConcurrentBag<string>();
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, _) =>
            tokens.Add((await TokensAsync(await ExchangeAsync(await CodeAsync()))).GetProperty("refresh_token").GetString()!));
        return [.. tokens];
    }

    /// <summary>The server's count of database commands for each of a few requests of one kind (after one uncounted, which warms caches).</summary>
    public static async Task<int[]> CountCommandsAsync(Func<Task<HttpResponseMessage>> send)
    {
        (await send()).Dispose();
        var counts = new int[5];
        for (var i = 0; i < counts.Length; i++)
        {
            using var response = await send();
            counts[i] = response.Headers.TryGetValues(DatabaseCommandCount.Header, out var values)
                ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"the server did not count database commands ({DatabaseCommandCount.Setting})");
        }

        return counts;
    }

    public void Dispose()
    {
        _browser.Dispose();
        _plain.Dispose();
    }

    private async Task<HttpResponseMessage> ExchangeAsync(string code) =>
        Expect(await _plain.PostAsync(new Uri("connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = CodeVerifier,
            ["code"] = code,
        })), HttpStatusCode.OK, "authorization-code exchange");

    private static async Task<JsonElement> TokensAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
    }

    private Uri AuthorizeUri() => new(
        "connect/authorize?client_id=" + clientId + "&response_type=code&scope=openid%20profile%20email%20offline_access" +
        "&redirect_uri=" + Uri.EscapeDataString(redirectUri) + "&code_challenge=" + CodeChallenge + "&code_challenge_method=S256" +
        "&state=" + Base64Url(RandomNumberGenerator.GetBytes(8)), UriKind.Relative);

    private FormUrlEncodedContent LoginBody(string email, string token) => new(new Dictionary<string, string>
    {
        ["Input.Identifier"] = email,
        ["Input.Password"] = password,
        ["__RequestVerificationToken"] = token,
    });

    private static HttpResponseMessage Expect(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        if (response.StatusCode != status)
        {
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            response.Dispose();
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}, not {(int)status}: {body[..Math.Min(300, body.Length)]}");
        }

        return response;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("[?&]code=([^&]+)")]
    private static partial Regex CodeParameter();
}
