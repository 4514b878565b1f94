using System.Net;
using System.Net.Sockets;
using System.Text;
using LazyMigrate.Scripting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// require('request'), fetch and axios in the shapes of the HTTP templates people already run (Basic auth against a
/// profile endpoint, a JSON or form POST with an API key), against a legacy web service on 127.0.0.1.
/// </summary>
public sealed class HttpCompatModuleTests : IAsyncLifetime
{
    private const string Email = "ada@legacy.example";
    private const string Password = "correct horse 9";

    private readonly LegacyUserScripts _scripts = new();
    private WebApplication? _service;
    private Uri _baseAddress = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _service = builder.Build();
        IResult Check(string? email, string? password) =>
            email != Email ? Results.NotFound()
            : password != Password ? Results.Unauthorized()
            : Results.Json(new { id = 7, email = Email, name = "Ada Lovelace" });

        // Basic auth: the person's own credentials are the Authorization header.
        _service.MapGet("/profile", (HttpRequest request) =>
        {
            var header = request.Headers.Authorization.ToString();
            if (!header.StartsWith("Basic ", StringComparison.Ordinal))
            {
                return Results.Unauthorized();
            }

            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Split(':', 2);
            return Check(pair[0], pair[1]);
        });

        // A JSON or form POST with the service's own API key.
        _service.MapPost("/login", async (HttpRequest request) =>
        {
            if (request.Headers["x-api-key"] != "k-123")
            {
                return Results.StatusCode(403);
            }

            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync();
                return Check(form["email"], form["password"]);
            }

            var body = await request.ReadFromJsonAsync<Dictionary<string, string>>();
            return body is null ? Results.BadRequest() : Check(body.GetValueOrDefault("email"), body.GetValueOrDefault("password"));
        });
        _service.MapGet("/users", (string email, HttpRequest request) => request.Headers.Accept.ToString().Contains("json", StringComparison.Ordinal) && email == Email
            ? Results.Json(new { id = 7, email, name = "Ada Lovelace" })
            : Results.NotFound());
        _service.MapGet("/down", () => Results.StatusCode(503));
        await _service.StartAsync();
        _baseAddress = new Uri(_service.Urls.First());
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    private LegacyConnection Connection(string script, string? baseUrl = null) => Sandbox.Connection(script) with
    {
        Settings = new Dictionary<string, string> { ["API"] = baseUrl ?? _baseAddress.ToString().TrimEnd('/'), ["API_KEY"] = "k-123" },
        SecretSettings = new HashSet<string> { "API_KEY" },
        // The port rule: the allow-list names the test service's random port, and a loopback address a test points
        // at instead (a port nothing listens on); any other host stays off it.
        HttpAllowList = baseUrl is not null && new Uri(baseUrl).IsLoopback ? [_baseAddress.Authority, new Uri(baseUrl).Authority] : [_baseAddress.Authority],
        Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(10) },
    };

    private async Task<(ScriptResult Right, ScriptResult Wrong, ScriptResult Unknown)> LoginThreeWaysAsync(string script)
    {
        var ct = TestContext.Current.CancellationToken;
        return (
            await _scripts.LoginAsync(Connection(script), Email, Password, new ScriptContext(), ct),
            await _scripts.LoginAsync(Connection(script), Email, "correct horse 8", new ScriptContext(), ct),
            await _scripts.LoginAsync(Connection(script), "bob@legacy.example", Password, new ScriptContext(), ct));
    }

    private static void AssertThreeWays((ScriptResult Right, ScriptResult Wrong, ScriptResult Unknown) results)
    {
        var profile = Sandbox.AssertFound(results.Right);
        Assert.Equal("7", profile.Id);
        Assert.Equal("Ada Lovelace", profile.Name);
        Assert.IsType<ScriptOutcome.WrongPassword>(results.Wrong.Outcome);
        Assert.IsType<ScriptOutcome.UnknownUser>(results.Unknown.Outcome);
    }

    private const string RequestBasicAuth = """
        function login(email, password, callback) {
          const request = require('request');
          request.get({
            url: configuration.API + '/profile',
            auth: { username: email, password: password }
          }, function (err, response, body) {
            if (err) return callback(err);
            if (response.statusCode === 404) return callback(null);
            if (response.statusCode === 401) return callback(new WrongUsernameOrPasswordError(email));
            if (response.statusCode !== 200) return callback(new Error('the service answered ' + response.statusCode));
            const user = JSON.parse(body);
            callback(null, { user_id: user.id.toString(), email: user.email, name: user.name });
          });
        }
        """;

    [Fact]
    public async Task Request_BasicAuthLogin_RightWrongAndUnknown() => AssertThreeWays(await LoginThreeWaysAsync(RequestBasicAuth));

    [Fact]
    public async Task Request_JsonPostWithHeaders_ParsesTheBody() => AssertThreeWays(await LoginThreeWaysAsync("""
        function login(email, password, callback) {
          const request = require('request@2.81.0');
          request.post({
            url: configuration.API + '/login',
            headers: { 'x-api-key': configuration.API_KEY },
            json: { email: email, password: password }
          }, function (err, response, body) {
            if (err) return callback(err);
            if (response.statusCode === 404) return callback(null);
            if (response.statusCode === 401) return callback(new WrongUsernameOrPasswordError(email));
            callback(null, { user_id: String(body.id), email: body.email, name: body.name });
          });
        }
        """));

    [Fact]
    public async Task Request_FormPost_AsTheOldestGlobal() => AssertThreeWays(await LoginThreeWaysAsync("""
        function login(email, password, callback) {
          request({
            method: 'POST',
            uri: configuration.API + '/login',
            headers: { 'x-api-key': configuration.API_KEY },
            form: { email: email, password: password }
          }, function (err, response, body) {
            if (err) return callback(err);
            if (response.statusCode === 404) return callback(null);
            if (response.statusCode === 401) return callback(new WrongUsernameOrPasswordError(email));
            const user = JSON.parse(body);
            callback(null, { user_id: String(user.id), email: user.email, name: user.name });
          });
        }
        """));

    [Fact]
    public async Task Request_GetUserWithQueryStringAndJson()
    {
        const string script = """
            function getByEmail(email, callback) {
              const request = require('request');
              request.get({ url: configuration.API + '/users', qs: { email: email }, json: true }, function (err, response, body) {
                if (err) return callback(err);
                if (response.statusCode === 404) return callback(null);
                callback(null, { user_id: String(body.id), email: body.email, name: body.name });
              });
            }
            """;
        var ct = TestContext.Current.CancellationToken;

        var found = await _scripts.GetUserAsync(Connection(script), Email, new ScriptContext(), ct);
        var unknown = await _scripts.GetUserAsync(Connection(script), "bob@legacy.example", new ScriptContext(), ct);

        Assert.Equal("Ada Lovelace", Sandbox.AssertFound(found).Name);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
    }

    [Fact]
    public async Task Fetch_NativeLogin_RightWrongAndUnknown() => AssertThreeWays(await LoginThreeWaysAsync("""
        async function login(email, password, context) {
          const response = await fetch(configuration.API + '/login', {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': configuration.API_KEY },
            body: JSON.stringify({ email: email, password: password }),
          });
          if (response.status === 404) return null;
          if (response.status === 401) throw new WrongUsernameOrPasswordError(email);
          if (!response.ok) throw new Error('the service answered ' + response.status);
          if (!response.headers.get('Content-Type').includes('json')) throw new Error('not JSON');
          const user = await response.json();
          return { id: String(user.id), email: user.email, name: user.name };
        }
        """));

    [Fact]
    public async Task Axios_PostAndStatusErrors_RightWrongAndUnknown() => AssertThreeWays(await LoginThreeWaysAsync("""
        async function login(email, password, callback) {
          const axios = require('axios');
          try {
            const { data } = await axios.post(configuration.API + '/login', { email, password }, { headers: { 'x-api-key': configuration.API_KEY } });
            callback(null, { user_id: String(data.id), email: data.email, name: data.name });
          } catch (error) {
            if (error.response && error.response.status === 404) return callback(null);
            if (error.response && error.response.status === 401) return callback(new WrongUsernameOrPasswordError(email));
            callback(error);
          }
        }
        """));

    [Fact]
    public async Task ServiceAnswering503_IsLegacyUnavailable_EvenWhenTheScriptCallsItAWrongPassword()
    {
        const string script = """
            function login(email, password, callback) {
              request.get({ url: configuration.API + '/down' }, function (err, response) {
                if (err || response.statusCode !== 200) return callback(new WrongUsernameOrPasswordError(email));
                callback(null, { user_id: '1' });
              });
            }
            """;

        var result = await _scripts.LoginAsync(Connection(script), Email, Password, new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("503", Sandbox.AssertFailed(result, ScriptFailureReason.LegacyUnavailable).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoServiceListening_IsLegacyUnavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await _scripts.LoginAsync(Connection(RequestBasicAuth, $"http://127.0.0.1:{closedPort}"), Email, Password, new ScriptContext(), TestContext.Current.CancellationToken);

        Sandbox.AssertFailed(result, ScriptFailureReason.LegacyUnavailable);
    }

    [Fact]
    public async Task Request_ToAHostOffTheAllowList_IsRefused()
    {
        var result = await _scripts.LoginAsync(Connection(RequestBasicAuth, "http://169.254.169.254"), Email, Password, new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("not on this connection's HTTP allow-list", Assert.IsType<ScriptOutcome.Failed>(result.Outcome).Message, StringComparison.Ordinal);
    }
}
