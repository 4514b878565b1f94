using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>Protocol requests PostgreSQL could not even look up get an OAuth error, never a 500.</summary>
public sealed class BadProtocolInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_WithNulInClientIdInTheForm_IsInvalidRequest()
    {
        using var browser = fixture.CreateBrowser();

        var tokens = await browser.Http.ClientCredentialsAsync("a\0b", "whatever");

        Assert.Equal(HttpStatusCode.BadRequest, tokens.Status);
        Assert.Equal("invalid_request", tokens.Error);
    }

    [Fact]
    public async Task Token_WithNulInBasicCredentials_IsInvalidRequest()
    {
        using var http = fixture.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("a%00b:secret\0")));

        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("invalid_request", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_WithNulInClientId_ShowsTheErrorWithoutRedirecting()
    {
        using var browser = fixture.CreateBrowser();
        var request = new AuthorizationRequest(TestClients.Web with { ClientId = "a\0b" });

        var page = await browser.NavigateAsync(request.ToUrl());

        Assert.Null(page.ExternalRedirect);
        Assert.Equal(HttpStatusCode.BadRequest, page.Status);
        Assert.Equal("invalid_request", page.AuthorizationError);
    }

    [Fact]
    public async Task UserInfo_WithAClientCredentialsToken_IsInvalidToken()
    {
        using var browser = fixture.CreateBrowser();
        var tokens = await browser.Http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var response = await browser.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }
}
