using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LazyMigrate.CampaignBench;

/// <summary>Sign-ins through the real login page: a form post with the antiforgery cookie and token of one anonymous view.</summary>
internal sealed partial class LoginPage(Uri server) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = 64 })
    {
        BaseAddress = server,
        Timeout = TimeSpan.FromMinutes(2),
    };

    private (string Cookie, string Token)? _form;

    /// <summary>
    /// What the login page answered: signed in (a redirect with the session cookie), refused (the form again, as for a
    /// wrong password), or unavailable (the legacy system could not answer: "We can't sign you in right now").
    /// </summary>
    public async Task<SignIn> SignInAsync(string identifier, string password)
    {
        var (cookie, token) = _form ??= await FormAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("Account/Login", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Identifier"] = identifier,
                ["Input.Password"] = password,
                ["__RequestVerificationToken"] = token,
            }),
        };
        request.Headers.Add("Cookie", cookie);
        using var response = await _http.SendAsync(request);
        if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.SeeOther && response.Headers.TryGetValues("Set-Cookie", out var cookies)
            && cookies.Any(c => c.StartsWith("lm.session", StringComparison.Ordinal)))
        {
            return SignIn.SignedIn;
        }

        if (response.StatusCode == HttpStatusCode.OK)
        {
            var page = await response.Content.ReadAsStringAsync();
            return page.Contains("sign you in right now", StringComparison.Ordinal) ? SignIn.Unavailable : SignIn.Refused;
        }

        throw new InvalidOperationException($"signing in {identifier} answered {(int)response.StatusCode}");
    }

    /// <summary>Signs in, trying again (up to three times) while the page says the legacy system cannot answer, as a person would.</summary>
    public async Task<(SignIn Outcome, int Unavailable)> SignInPatientlyAsync(string identifier, string password)
    {
        for (var unavailable = 0; ; unavailable++)
        {
            var outcome = await SignInAsync(identifier, password);
            if (outcome != SignIn.Unavailable || unavailable == 3)
            {
                return (outcome, unavailable);
            }
        }
    }

    private async Task<(string, string)> FormAsync()
    {
        using var response = await _http.GetAsync(new Uri("Account/Login", UriKind.Relative));
        var page = await response.Content.ReadAsStringAsync();
        var cookie = string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        return (cookie, AntiforgeryToken().Match(page).Groups[1].Value);
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    internal static partial Regex AntiforgeryToken();
}

internal enum SignIn
{
    SignedIn,
    Refused,
    Unavailable,
}

/// <summary>The dashboard's figures as one of its surfaces shows them.</summary>
internal sealed record Dashboard(long Migrated, long Lazy, long Bulk, long Awaiting, long ResetRequired, long? Remaining)
{
    public override string ToString() =>
        $"migrated {Migrated:N0} lazy {Lazy:N0} bulk {Bulk:N0} awaiting {Awaiting:N0} reset {ResetRequired:N0} remaining {(Remaining is { } r ? r.ToString("N0", CultureInfo.InvariantCulture) : "?")}";
}

/// <summary>The management API, as a machine client with client credentials.</summary>
internal sealed class ManagementApi(Uri server, string client, string secret) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromMinutes(5) };
    private DateTimeOffset _expires;

    public async Task<Dashboard> StatsAsync()
    {
        var stats = await GetJsonAsync("api/v1/stats/migration");
        var kinds = stats.GetProperty("kinds");
        return new Dashboard(
            stats.GetProperty("migratedTotal").GetInt64(),
            kinds.GetProperty("lazilyMigrated").GetInt64(),
            kinds.GetProperty("bulkImported").GetInt64(),
            kinds.GetProperty("awaitingFirstSignIn").GetInt64(),
            kinds.GetProperty("resetRequired").GetInt64(),
            stats.GetProperty("remaining").ValueKind == JsonValueKind.Number ? stats.GetProperty("remaining").GetInt64() : null);
    }

    public async Task<JsonElement> StartPullImportAsync(string connection, int rate, int pageSize) =>
        await SendJsonAsync(HttpMethod.Post, "api/v1/jobs/users-imports", new { connection, source = "listUsers", rate, pageSize }, HttpStatusCode.Accepted);

    public async Task<JsonElement> StartExportAsync() => await SendJsonAsync(HttpMethod.Post, "api/v1/jobs/users-exports", null, HttpStatusCode.Accepted);

    public async Task<JsonElement> StartFileImportAsync(string connection, string path)
    {
        await AuthoriseAsync();
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(connection), "connection");
        form.Add(new StringContent("jsonl"), "format");
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        form.Add(file, "users", Path.GetFileName(path));
        using var response = await _http.PostAsync(new Uri("api/v1/jobs/users-imports", UriKind.Relative), form);
        return await ReadAsync(response, HttpStatusCode.Accepted, "file import");
    }

    public async Task DownloadAsync(string path, string target)
    {
        await AuthoriseAsync();
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        await using var file = File.Create(target);
        await response.Content.CopyToAsync(file);
    }

    /// <summary>Polls a job until it ends; prints its progress every few seconds.</summary>
    public async Task<JsonElement> WaitJobAsync(string id, string what)
    {
        var last = DateTimeOffset.MinValue;
        while (true)
        {
            var job = await GetJsonAsync($"api/v1/jobs/{id}");
            var state = job.GetProperty("state").GetString();
            if (state is "completed" or "failed" or "cancelled" or "Completed" or "Failed" or "Cancelled")
            {
                return job;
            }

            if (DateTimeOffset.UtcNow - last > TimeSpan.FromSeconds(10))
            {
                last = DateTimeOffset.UtcNow;
                var counts = job.GetProperty("counts");
                Console.WriteLine($"  {what}: {state}, processed {counts.GetProperty("processed").GetInt64():N0} of {(job.TryGetProperty("total", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt64().ToString("N0", CultureInfo.InvariantCulture) : "?")}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Asks to disconnect without confirming (the answer names who would be left behind), then confirms.</summary>
    public async Task<(long? NeverMigrated, string State)> DisconnectAsync(string connection)
    {
        await AuthoriseAsync();
        var etag = await ETagAsync(connection);
        long? neverMigrated = null;
        using (var ask = new HttpRequestMessage(HttpMethod.Patch, new Uri($"api/v1/connections/{connection}", UriKind.Relative))
        {
            Content = JsonContent.Create(new { state = "Disconnected" }, options: Json),
        })
        {
            ask.Headers.TryAddWithoutValidation("If-Match", etag);
            using var response = await _http.SendAsync(ask);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                using var problem = JsonDocument.Parse(body);
                neverMigrated = problem.RootElement.TryGetProperty("neverMigrated", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt64() : null;
            }
            else
            {
                throw new InvalidOperationException($"an unconfirmed disconnect answered {(int)response.StatusCode}, not 409: {body}");
            }
        }

        using var confirm = new HttpRequestMessage(HttpMethod.Patch, new Uri($"api/v1/connections/{connection}", UriKind.Relative))
        {
            Content = JsonContent.Create(new { state = "Disconnected", confirmDisconnect = true }, options: Json),
        };
        confirm.Headers.TryAddWithoutValidation("If-Match", await ETagAsync(connection));
        using var confirmed = await _http.SendAsync(confirm);
        var view = await ReadAsync(confirmed, HttpStatusCode.OK, "confirmed disconnect");
        return (neverMigrated, view.GetProperty("state").GetString()!);
    }

    private async Task<string> ETagAsync(string connection)
    {
        using var response = await _http.GetAsync(new Uri($"api/v1/connections/{connection}", UriKind.Relative));
        await ReadAsync(response, HttpStatusCode.OK, "connection");
        return response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("the connection has no ETag");
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        await AuthoriseAsync();
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        return await ReadAsync(response, HttpStatusCode.OK, path);
    }

    private async Task<JsonElement> SendJsonAsync(HttpMethod method, string path, object? body, HttpStatusCode expected)
    {
        await AuthoriseAsync();
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        using var response = await _http.SendAsync(request);
        return await ReadAsync(response, expected, path);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}, not {(int)expected}: {text[..Math.Min(500, text.Length)]}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private async Task AuthoriseAsync()
    {
        if (DateTimeOffset.UtcNow < _expires)
        {
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("connect/token", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["scope"] = "read:stats read:connections update:connections import:users export:users read:users",
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client}:{secret}")));
        using var response = await _http.SendAsync(request);
        var token = await ReadAsync(response, HttpStatusCode.OK, "client-credentials grant");
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("access_token").GetString());
        _expires = DateTimeOffset.UtcNow.AddSeconds(token.GetProperty("expires_in").GetInt32() - 60);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The console's dashboard as the administrator sees it, read from its HTML (the figures' data-testid).</summary>
internal sealed partial class ConsoleDashboard(Uri server, string email, string password) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
    {
        BaseAddress = server,
        Timeout = TimeSpan.FromMinutes(2),
    };

    private bool _signedIn;

    public async Task<Dashboard> ReadAsync()
    {
        if (!_signedIn)
        {
            var form = await _http.GetStringAsync(new Uri("Account/Login", UriKind.Relative));
            using var response = await _http.PostAsync(new Uri("Account/Login?ReturnUrl=%2Fconsole", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Identifier"] = email,
                ["Input.Password"] = password,
                ["__RequestVerificationToken"] = LoginPage.AntiforgeryToken().Match(form).Groups[1].Value,
            }));
            if (response.StatusCode != HttpStatusCode.Redirect)
            {
                throw new InvalidOperationException($"the administrator's sign-in answered {(int)response.StatusCode}");
            }

            _signedIn = true;
        }

        using var page = await _http.GetAsync(new Uri("console", UriKind.Relative));
        if (page.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the console answered {(int)page.StatusCode}");
        }

        var html = await page.Content.ReadAsStringAsync();
        return new Dashboard(Figure(html, "migrated")!.Value, Figure(html, "lazily-migrated")!.Value, Figure(html, "bulk-imported")!.Value,
            Figure(html, "awaiting-first-sign-in")!.Value, Figure(html, "reset-required")!.Value, Figure(html, "remaining"));
    }

    private static long? Figure(string html, string id)
    {
        var match = Regex.Match(html, $"data-testid=\"{id}\">([^<]*)<");
        if (!match.Success)
        {
            throw new InvalidOperationException($"the dashboard has no figure '{id}'");
        }

        return long.TryParse(match.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    public void Dispose() => _http.Dispose();
}
