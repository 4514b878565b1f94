using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>A page the browser landed on, or the redirect that took it away from the server (to a client's callback).</summary>
public sealed record Page(Uri Url, HttpStatusCode Status, string Html, Uri? ExternalRedirect)
{
    public bool IsLogin => ExternalRedirect is null && Url.AbsolutePath.Equals("/Account/Login", StringComparison.OrdinalIgnoreCase);

    public bool IsConsent => ExternalRedirect is null && Url.AbsolutePath.Equals("/Account/Consent", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The OAuth error of an authorization request: from the redirect to the client when the server could send it
    /// there, else from the error page (unknown client, bad redirect URI and malformed requests are shown, not redirected).
    /// </summary>
    public string? AuthorizationError => ExternalRedirect is not null
        ? new Callback(ExternalRedirect).Error
        : Regex.Match(Html, "class=\"error-code\">(?<error>[a-z_]+)<") is { Success: true } match ? match.Groups["error"].Value : null;

    public bool IsLogout => ExternalRedirect is null && Url.AbsolutePath.Equals("/Account/Logout", StringComparison.OrdinalIgnoreCase);

    /// <summary>The page's alert (a form's error summary), for assertion messages that say what went wrong.</summary>
    public string? Alert => Regex.Match(Html, "role=\"alert\"><ul><li>(?<text>[^<]*)<") is { Success: true } match
        ? $"{Status} {Url.AbsolutePath}: {WebUtility.HtmlDecode(match.Groups["text"].Value)}"
        : null;
}

/// <summary>
/// Plays the user's browser over HTTP: one cookie jar, redirects followed within the server, forms submitted as a
/// browser would (hidden fields, antiforgery token, the pressed button). Stops at a page or at a redirect to a client.
/// </summary>
public sealed partial class Browser : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly Uri _origin;

    public Browser(LazyMigrateServer server)
    {
        Http = server.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        // A burst of hundreds of hashes on two cores can keep a request longer than HttpClient's default 100 s; giving
        // up then would cancel the server's work and fail the test on the machine's speed, not on its behaviour.
        Http.Timeout = TimeSpan.FromMinutes(10);
        _origin = Http.BaseAddress!;
    }

    /// <summary>A browser over a real network address (a proxy in front of several nodes): <paramref name="http"/> must not follow redirects.</summary>
    public Browser(HttpClient http)
    {
        Http = http;
        _origin = http.BaseAddress ?? throw new ArgumentException("The client needs a BaseAddress.", nameof(http));
    }

    /// <summary>The underlying client (cookies included), for direct protocol calls such as the token endpoint.</summary>
    public HttpClient Http { get; }

    public Task<Page> NavigateAsync(string url) => SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_origin, url)));

    /// <summary>
    /// Submits the page's form (the first, or the one posting to page handler <paramref name="handler"/>) with its
    /// hidden fields, the given fields and, when named, the button pressed.
    /// </summary>
    public Task<Page> SubmitAsync(Page page, IReadOnlyDictionary<string, string>? fields = null, string? button = null, string? handler = null)
    {
        var form = handler is null
            ? FormPattern().Match(page.Html)
            : FormPattern().Matches(page.Html).FirstOrDefault(f => f.Groups["attributes"].Value.Contains("handler=" + handler + "\"", StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"No form for handler {handler} on {page.Url}:\n{page.Html}");
        if (!form.Success)
        {
            throw new InvalidOperationException($"No form on {page.Url}:\n{page.Html}");
        }

        var attributes = Attributes(form.Groups["attributes"].Value);
        var action = attributes.TryGetValue("action", out var value) && value.Length > 0 ? new Uri(page.Url, value) : page.Url;
        var values = new List<KeyValuePair<string, string>>();
        foreach (Match input in InputPattern().Matches(form.Groups["body"].Value))
        {
            var inputAttributes = Attributes(input.Value);
            // A given field replaces a hidden one of the same name (a ticked checkbox's value comes first in a browser's post).
            if (inputAttributes.GetValueOrDefault("type") == "hidden" && inputAttributes.TryGetValue("name", out var name) && fields?.ContainsKey(name) != true)
            {
                values.Add(KeyValuePair.Create(name, inputAttributes.GetValueOrDefault("value") ?? ""));
            }
        }

        values.AddRange(fields ?? new Dictionary<string, string>());
        if (button is not null)
        {
            values.Add(KeyValuePair.Create(button, "yes"));
        }

        return SendAsync(new HttpRequestMessage(HttpMethod.Post, action) { Content = new FormUrlEncodedContent(values) });
    }

    /// <summary>Fills in and submits the login form.</summary>
    public Task<Page> LogInAsync(Page loginPage, string identifier, string password) =>
        SubmitAsync(loginPage, new Dictionary<string, string> { ["Input.Identifier"] = identifier, ["Input.Password"] = password });

    /// <summary>
    /// Starts an authorization request and plays the user through it: logs in with <paramref name="user"/> when asked,
    /// answers the consent page with <paramref name="consent"/>. Returns where the browser ended up.
    /// </summary>
    public async Task<Page> AuthorizeAsync(AuthorizationRequest request, TestUser? user, bool consent = true)
    {
        var page = await NavigateAsync(request.ToUrl());
        for (var step = 0; step < 4 && page.ExternalRedirect is null; step++)
        {
            if (page.IsLogin && user is not null)
            {
                page = await LogInAsync(page, user.Email, user.Password);
            }
            else if (page.IsConsent)
            {
                page = await SubmitAsync(page, button: consent ? "submit.Accept" : "submit.Deny");
            }
            else
            {
                break;
            }
        }

        return page;
    }

    public void Dispose() => Http.Dispose();

    private async Task<Page> SendAsync(HttpRequestMessage request)
    {
        var url = request.RequestUri!;
        for (var hop = 0; hop <= MaxRedirects; hop++)
        {
            using var response = await Http.SendAsync(request);
            request.Dispose();
            if (response.StatusCode is not (HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.Redirect or HttpStatusCode.MovedPermanently))
            {
                return new Page(url, response.StatusCode, await response.Content.ReadAsStringAsync(), null);
            }

            var location = new Uri(url, response.Headers.Location!);
            if (!string.Equals(location.GetLeftPart(UriPartial.Authority), _origin.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
            {
                return new Page(url, response.StatusCode, "", location);
            }

            url = location;
            request = new HttpRequestMessage(HttpMethod.Get, url);
        }

        throw new InvalidOperationException($"More than {MaxRedirects} redirects, last at {url}.");
    }

    private static Dictionary<string, string> Attributes(string tag) =>
        AttributePattern().Matches(tag).ToDictionary(
            m => m.Groups["name"].Value.ToLowerInvariant(), m => WebUtility.HtmlDecode(m.Groups["value"].Value), StringComparer.Ordinal);

    [GeneratedRegex("<form(?<attributes>[^>]*)>(?<body>.*?)</form>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FormPattern();

    [GeneratedRegex("<input\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InputPattern();

    [GeneratedRegex("(?<name>[\\w.:-]+)=\"(?<value>[^\"]*)\"")]
    private static partial Regex AttributePattern();
}
