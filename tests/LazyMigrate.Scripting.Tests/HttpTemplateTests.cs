using LazyMigrate.Scripting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace LazyMigrate.Scripting.Tests;

/// <summary>The shipped HTTP template against a legacy web service on 127.0.0.1, and the allow-list around it.</summary>
public sealed class HttpTemplateTests : IAsyncLifetime
{
    private readonly LegacyUserScripts _scripts = new();
    private WebApplication? _service;
    private Uri _baseAddress = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _service = builder.Build();
        _service.MapPost("/login", async (HttpRequest request) =>
        {
            if (request.Headers["x-api-key"] != "k-123")
            {
                return Results.StatusCode(403);
            }

            var body = await request.ReadFromJsonAsync<Dictionary<string, string>>();
            return body!["email"] != "ada@legacy.example" ? Results.NotFound()
                : body["password"] != "correct horse 9" ? Results.Unauthorized()
                : Results.Json(new { id = 7, email = "ada@legacy.example", emailVerified = true, name = "Ada Lovelace" });
        });
        _service.MapGet("/users", (string email) => email == "ada@legacy.example"
            ? Results.Json(new { id = 7, email, name = "Ada Lovelace" })
            : Results.NotFound());
        _service.MapGet("/huge", () => Results.Text(new string('x', 2 * 1024 * 1024)));
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

    private LegacyConnection Connection(string? script = null, string? allow = null) => new()
    {
        Name = "http-" + Guid.NewGuid().ToString("N"),
        LoginScript = script ?? ScriptTemplates.Get("http"),
        GetUserScript = script ?? ScriptTemplates.Get("http"),
        Settings = new Dictionary<string, string> { ["LEGACY_API_URL"] = _baseAddress.ToString().TrimEnd('/'), ["LEGACY_API_KEY"] = "k-123" },
        SecretSettings = new HashSet<string> { "LEGACY_API_KEY" },
        HttpAllowList = [allow ?? $"127.0.0.1:{_baseAddress.Port}"],
    };

    [Fact]
    public async Task HttpTemplate_LogsInGetsUsersAndRejectsWrongPasswords()
    {
        var ct = TestContext.Current.CancellationToken;
        var found = await _scripts.LoginAsync(Connection(), "ada@legacy.example", "correct horse 9", new ScriptContext(), ct);
        var wrong = await _scripts.LoginAsync(Connection(), "ada@legacy.example", "nope", new ScriptContext(), ct);
        var unknown = await _scripts.LoginAsync(Connection(), "bob@legacy.example", "nope", new ScriptContext(), ct);
        var user = await _scripts.GetUserAsync(Connection(), "ada@legacy.example", new ScriptContext(), ct);

        var profile = Sandbox.AssertFound(found);
        Assert.Equal("7", profile.Id);
        Assert.True(profile.EmailVerified);
        Assert.IsType<ScriptOutcome.WrongPassword>(wrong.Outcome);
        Assert.IsType<ScriptOutcome.UnknownUser>(unknown.Outcome);
        Assert.Equal("Ada Lovelace", Sandbox.AssertFound(user).Name);
    }

    [Fact]
    public async Task HostOutsideTheAllowList_IsRefused()
    {
        var script = "async function login() { await http.request({ url: 'http://169.254.169.254/latest/meta-data/' }); return null; }";

        var result = await _scripts.LoginAsync(Connection(script), "a@b.example", "x", new ScriptContext(), TestContext.Current.CancellationToken);

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError);
        Assert.Contains("not on this connection's HTTP allow-list", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SameHostOnAnotherPort_IsRefused()
    {
        var result = await _scripts.LoginAsync(Connection(allow: "127.0.0.1:1"), "ada@legacy.example", "correct horse 9", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("allow-list", Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedResponse_IsRefused()
    {
        var script = "async function login() { await http.request({ url: configuration.LEGACY_API_URL + '/huge' }); return null; }";

        var result = await _scripts.LoginAsync(Connection(script), "a@b.example", "x", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("larger than", Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }
}
