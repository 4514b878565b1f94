using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Hosting;

/// <summary>
/// Hostile values (a corpus of known troublemakers mixed with random text) in every form, the OIDC endpoints and the
/// management API's queries and bodies: never a 5xx, never a stack trace or a .NET type name in the answer.
/// </summary>
public sealed class FuzzTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    /// <summary>Inputs tried per run (each one request, two for a form: the page, then the post).</summary>
    public const int Iterations = 3000;

    private static readonly string[] Corpus =
    [
        "", " ", "\0", "a\0b", "%00", "\u0001\u001f\u007f", "\r\n", "\t", "\uFEFF", "\u202Eevil", "\uD83D\uDE00", "\u00e9\u0301",
        "x@y", "@", "a@b.c", "ADA@LEGACY.EXAMPLE", "ada.lovelace@legacy.example", "j\u00f6rg@\u00fc.example",
        "' OR 1=1 --", "\"; DROP TABLE \"AspNetUsers\"; --", "%", "_", "\\", "\\u0000", "${7*7}", "{{7*7}}", "<script>alert(1)</script>",
        "javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "http://evil.example/", "//evil.example", "/\\evil.example",
        "../../etc/passwd", "-1", "0", "2147483648", "99999999999999999999", "1e400", "NaN", "true", "null", "[]", "{}",
        "9999-12-31", "0001-01-01", "2026-01-01T10:00:00+02:00", "2026-13-45", "-infinity",
        "openid", "openid profile email offline_access", "client_credentials", "authorization_code", "refresh_token", "S256", "plain",
        "web-app", "machine", new string('a', 300), new string('\u00e9', 2000), string.Concat(Enumerable.Repeat("a\0", 50)),
    ];

    private static readonly Gen<string> Value = Gen.Frequency(
        (4, Gen.OneOf(Corpus)),
        (2, Gen.String[0, 40]),
        (1, Gen.Char.Array[0, 24].Select(chars => new string(chars))),
        (1, Gen.OneOf(Corpus).Array[2, 4].Select(parts => string.Concat(parts))));

    private static readonly (string Name, int Fields)[] Targets =
    [
        ("login", 3), ("register", 5), ("forgot", 1), ("reset", 5),
        ("authorize", 8), ("token", 8), ("introspect", 2), ("revoke", 2), ("userinfo", 1), ("endsession", 3),
        ("users", 9), ("by-email", 1), ("audit", 8), ("stats", 2), ("create-user", 5), ("patch-user", 5), ("raw-body", 1),
        ("connection", 1), ("create-client", 4),
    ];

    private static readonly Gen<(int Target, string[] Values)> Input =
        Gen.Int[0, Targets.Length - 1].SelectMany(target => Value.Array[Targets[target].Fields].Select(values => (target, values)));

    private static readonly string[] Leaks = ["   at ", "Exception", "System.", "Npgsql", "LazyMigrate.Server", "Microsoft.", "StackTrace"];

    [Fact]
    public async Task HostileInput_AnywhereNeverGivesA5xxOrLeaksInternals()
    {
        using var api = await fixture.ApiAsync();
        var user = await fixture.Services.CreateUserAsync();
        var tried = 0;

        await Input.SampleAsync(async input =>
        {
            var (status, body) = await SendAsync(api, user, Targets[input.Target].Name, [.. input.Values.Select(Sendable)]);
            Interlocked.Increment(ref tried);
            Assert.True((int)status < 500, $"{Targets[input.Target].Name}: {(int)status}\n{body}");
            foreach (var leak in Leaks)
            {
                Assert.False(body.Contains(leak, StringComparison.Ordinal), $"{Targets[input.Target].Name} leaks '{leak}':\n{body}");
            }
        }, iter: Iterations, threads: 1, print: input => $"{Targets[input.Target].Name}: {JsonSerializer.Serialize(input.Values)}");

        TestContext.Current.SendDiagnosticMessage($"Fuzzing tried {tried} inputs.");
        Assert.Equal(Iterations, tried);
    }

    private async Task<(HttpStatusCode, string)> SendAsync(HttpClient api, TestUser user, string target, string[] v)
    {
        using var browser = fixture.CreateBrowser();
        switch (target)
        {
            case "login":
                return Read(await browser.SubmitAsync(await browser.NavigateAsync("/Account/Login"),
                    new Dictionary<string, string> { ["Input.Identifier"] = v[0], ["Input.Password"] = v[1], ["ReturnUrl"] = v[2] }));
            case "register":
                return Read(await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), new Dictionary<string, string>
                {
                    ["Input.Email"] = v[0], ["Input.Name"] = v[1], ["Input.Password"] = v[2], ["Input.ConfirmPassword"] = v[3], ["ReturnUrl"] = v[4],
                }));
            case "forgot":
                return Read(await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = v[0] }));
            case "reset":
                var reset = await browser.NavigateAsync($"/Account/ResetPassword?kind={Q(v[0])}&id={Q(v[1])}&token={Q(v[2])}");
                if ((int)reset.Status >= 500 || !reset.Html.Contains("<form", StringComparison.Ordinal))
                {
                    return Read(reset);
                }

                return Read(await browser.SubmitAsync(reset, new Dictionary<string, string> { ["Password"] = v[3], ["ConfirmPassword"] = v[4] }));
            case "authorize":
                return Read(await browser.NavigateAsync($"/connect/authorize?client_id={Q(v[0])}&redirect_uri={Q(v[1])}&response_type={Q(v[2])}" +
                    $"&scope={Q(v[3])}&code_challenge={Q(v[4])}&code_challenge_method={Q(v[5])}&state={Q(v[6])}&prompt={Q(v[7])}"));
            case "token":
                return await FormAsync(browser.Http, "/connect/token", ["grant_type", "client_id", "client_secret", "code", "redirect_uri", "code_verifier", "refresh_token", "scope"], v);
            case "introspect":
                return await FormAsync(browser.Http, "/connect/introspect", ["token", "token_type_hint"], v, TestClients.Machine);
            case "revoke":
                return await FormAsync(browser.Http, "/connect/revoke", ["token", "token_type_hint"], v, TestClients.Machine);
            case "userinfo":
                using (var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo"))
                {
                    request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string([.. v[0].Where(c => c is >= ' ' and <= '~')]));
                    return await ReadAsync(await browser.Http.SendAsync(request));
                }

            case "endsession":
                return Read(await browser.NavigateAsync($"/connect/endsession?post_logout_redirect_uri={Q(v[0])}&id_token_hint={Q(v[1])}&state={Q(v[2])}"));
            case "users":
                return await ReadAsync(await api.GetAsync($"/api/v1/users?q={Q(v[0])}&connection={Q(v[1])}&createdFrom={Q(v[2])}&lastLoginTo={Q(v[3])}" +
                    $"&limit={Q(v[4])}&cursor={Q(v[5])}&sort={Q(v[6])}&fields={Q(v[7])}&migrated={Q(v[8])}"));
            case "by-email":
                return await ReadAsync(await api.GetAsync($"/api/v1/users/by-email?email={Q(v[0])}"));
            case "audit":
                return await ReadAsync(await api.GetAsync($"/api/v1/audit?from={Q(v[0])}&to={Q(v[1])}&type={Q(v[2])}&userId={Q(v[3])}" +
                    $"&connection={Q(v[4])}&reason={Q(v[5])}&before={Q(v[6])}&limit={Q(v[7])}"));
            case "stats":
                return await ReadAsync(await api.GetAsync($"/api/v1/stats/migration?from={Q(v[0])}&to={Q(v[1])}"));
            case "create-user":
                return await ReadAsync(await api.PostAsync("/api/v1/users", Json(new Dictionary<string, object?>
                {
                    ["email"] = v[0], ["password"] = v[1], ["name"] = v[2], ["userMetadata"] = new Dictionary<string, string> { [v[3]] = v[4] },
                })));
            case "patch-user":
                return await ReadAsync(await api.PatchAsync($"/api/v1/users/{user.Id}", Json(new Dictionary<string, object?>
                {
                    ["name"] = v[0], ["givenName"] = v[1], ["picture"] = v[2], ["appMetadata"] = new Dictionary<string, string> { [v[3]] = v[4] },
                })));
            case "raw-body":
                return await ReadAsync(await api.PatchAsync($"/api/v1/users/{user.Id}", new StringContent(v[0], Encoding.UTF8, "application/json")));
            case "connection":
                // TestServer cannot carry a NUL in a path at all (Kestrel answers 400 to one before the application runs).
                return await ReadAsync(await api.GetAsync($"/api/v1/connections/{Q(v[0].Replace("\0", "", StringComparison.Ordinal))}"));
            case "create-client":
                return await ReadAsync(await api.PostAsync("/api/v1/clients", Json(new Dictionary<string, object?>
                {
                    ["clientId"] = v[0], ["displayName"] = v[1], ["redirectUris"] = new[] { v[2] }, ["scopes"] = new[] { v[3] },
                })));
            default:
                throw new InvalidOperationException(target);
        }
    }

    private static async Task<(HttpStatusCode, string)> FormAsync(HttpClient http, string path, string[] names, string[] values, TestClient? client = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(names.Zip(values, KeyValuePair.Create)),
        };
        if (client is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client.ClientId}:{client.Secret}")));
        }

        return await ReadAsync(await http.SendAsync(request));
    }

    private static async Task<(HttpStatusCode, string)> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            return (response.StatusCode, response.Headers.WwwAuthenticate + "\n" + await response.Content.ReadAsStringAsync());
        }
    }

    private static (HttpStatusCode, string) Read(Page page) => (page.Status, page.Html);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static string Q(string value) => Uri.EscapeDataString(value);

    // What can travel in a request at all: lone surrogates become U+FFFD, as any client's UTF-8 encoder makes them.
    private static string Sendable(string value) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value));
}
