using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// A web application as teams write it with ASP.NET Core's own OpenID Connect handler and its default settings for the
/// code flow (PKCE, response_mode=form_post, claims from userinfo, tokens saved in the session), on Kestrel on a
/// loopback port of its own. Its pages show what it knows, so a browser can read it.
/// </summary>
public sealed class AspNetCoreRelyingParty : IAsyncDisposable
{
    public const string ClientId = "aspnet-core-app";
    private const string ClientSecret = "aspnet-core-app-secret-for-tests";

    private readonly WebApplication _app;

    private AspNetCoreRelyingParty(WebApplication app, Uri baseUri)
    {
        _app = app;
        BaseUri = baseUri;
    }

    public Uri BaseUri { get; }

    /// <summary>Every userinfo answer the handler received, as JSON.</summary>
    public ConcurrentQueue<JsonElement> UserInfoResponses { get; } = new();

    /// <summary>The client as the identity provider is configured for it.</summary>
    public static TestClient Client(Uri baseUri) => new(ClientId, ClientSecret,
        RedirectUri: new Uri(baseUri, "signin-oidc"), PostLogoutRedirectUri: new Uri(baseUri, "signout-callback-oidc"));

    public string Url(string path) => new Uri(BaseUri, path).AbsoluteUri;

    public static async Task<AspNetCoreRelyingParty> StartAsync(Uri baseUri, string authority)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, baseUri.Port));
        // Its warnings and errors in the test output: a failed sign-in says why there.
        builder.Logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        AspNetCoreRelyingParty? self = null;
        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie()
            .AddOpenIdConnect(options =>
            {
                // Note: the one setting every code-flow application sets. The handler's default, response_type=id_token,
                // is the implicit flow, which this server refuses by design (unsupported_response_type). Everything else
                // stays as ASP.NET Core sets it: PKCE, response_mode=form_post, the callback paths.
                options.ResponseType = "code";
                options.Authority = authority;
                options.RequireHttpsMetadata = false; // the identity provider listens on plain HTTP in this test
                options.ClientId = ClientId;
                options.ClientSecret = ClientSecret;
                options.Scope.Add("email");
                options.Scope.Add("offline_access");
                options.GetClaimsFromUserInfoEndpoint = true;
                options.SaveTokens = true;
                options.Events.OnUserInformationReceived = context =>
                {
                    self!.UserInfoResponses.Enqueue(context.User.RootElement.Clone());
                    return Task.CompletedTask;
                };
            });

        var app = builder.Build();
        self = new AspNetCoreRelyingParty(app, baseUri);
        app.UseAuthentication();
        app.MapGet("/", (Delegate)ShowUser);
        app.MapGet("/refresh", RefreshAsync);
        app.MapGet("/signout", () => Results.SignOut(new AuthenticationProperties { RedirectUri = "/signed-out" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        app.MapGet("/signed-out", (HttpContext http) => Html("Signed out", $"<p id=\"authenticated\">{http.User.Identity?.IsAuthenticated == true}</p>"));
        await app.StartAsync();
        return self;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    /// <summary>The signed-in user's claims and the names of the saved tokens; a challenge when nobody is signed in.</summary>
    private static async Task<IResult> ShowUser(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated != true)
        {
            return Results.Challenge();
        }

        var result = await http.AuthenticateAsync();
        var claims = string.Concat(http.User.Claims.Select(c => $"<dt>{WebUtility.HtmlEncode(c.Type)}</dt><dd>{WebUtility.HtmlEncode(c.Value)}</dd>"));
        var tokens = string.Join(' ', result.Properties!.GetTokens().Select(t => t.Name));
        return Html("Signed in", $"<dl id=\"claims\">{claims}</dl><p id=\"tokens\">{tokens}</p>");
    }

    /// <summary>Redeems the saved refresh token at the discovered token endpoint, saves the new tokens, calls userinfo with the new access token.</summary>
    private static async Task<IResult> RefreshAsync(HttpContext http, IOptionsMonitor<OpenIdConnectOptions> monitor)
    {
        var result = await http.AuthenticateAsync();
        if (!result.Succeeded)
        {
            return Results.Challenge();
        }

        var options = monitor.Get(OpenIdConnectDefaults.AuthenticationScheme);
        var configuration = await options.ConfigurationManager!.GetConfigurationAsync(http.RequestAborted);
        var properties = result.Properties!;
        using var tokenResponse = await options.Backchannel.PostAsync(configuration.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = properties.GetTokenValue("refresh_token")!,
            ["client_id"] = options.ClientId!,
            ["client_secret"] = options.ClientSecret!,
        }), http.RequestAborted);
        var tokens = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(http.RequestAborted)).RootElement;
        if (!tokenResponse.IsSuccessStatusCode)
        {
            return Html("Refresh failed", $"<p id=\"error\">{WebUtility.HtmlEncode(tokens.ToString())}</p>");
        }

        var accessToken = tokens.GetProperty("access_token").GetString()!;
        var rotated = tokens.GetProperty("refresh_token").GetString() != properties.GetTokenValue("refresh_token");
        properties.UpdateTokenValue("access_token", accessToken);
        properties.UpdateTokenValue("refresh_token", tokens.GetProperty("refresh_token").GetString()!);
        await http.SignInAsync(result.Principal!, properties);

        using var userInfoRequest = new HttpRequestMessage(HttpMethod.Get, configuration.UserInfoEndpoint);
        userInfoRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var userInfoResponse = await options.Backchannel.SendAsync(userInfoRequest, http.RequestAborted);
        var userInfo = JsonDocument.Parse(await userInfoResponse.Content.ReadAsStringAsync(http.RequestAborted)).RootElement;
        return Html("Refreshed",
            $"<p id=\"rotated\">{rotated}</p><p id=\"userinfo-email\">{WebUtility.HtmlEncode(userInfo.GetProperty("email").GetString())}</p>");
    }

    private static IResult Html(string title, string body) => Results.Content(
        $"<!DOCTYPE html><html lang=\"en\"><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>",
        "text/html", Encoding.UTF8);
}
