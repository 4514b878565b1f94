using System.Net;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Management;

public class ManagementAuthTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    /// <summary>Every management route and the scope it requires.</summary>
    public static readonly TheoryData<string, string, string> Routes = new()
    {
        { "GET", "/api/v1/users", "read:users" },
        { "GET", "/api/v1/users/by-email?email=a@b.example", "read:users" },
        { "GET", "/api/v1/users/00000000-0000-0000-0000-000000000001", "read:users" },
        { "POST", "/api/v1/users", "create:users" },
        { "PATCH", "/api/v1/users/00000000-0000-0000-0000-000000000001", "update:users" },
        { "DELETE", "/api/v1/users/00000000-0000-0000-0000-000000000001", "delete:users" },
        { "DELETE", "/api/v1/users/00000000-0000-0000-0000-000000000001/identities/legacy/42", "update:users" },
        { "GET", "/api/v1/users/00000000-0000-0000-0000-000000000001/mfa", "read:users" },
        { "DELETE", "/api/v1/users/00000000-0000-0000-0000-000000000001/mfa/authenticator", "update:users" },
        { "GET", "/api/v1/stats/migration", "read:stats" },
        { "GET", "/api/v1/connections", "read:connections" },
        { "GET", "/api/v1/connections/legacy", "read:connections" },
        { "POST", "/api/v1/connections", "update:connections" },
        { "PATCH", "/api/v1/connections/legacy", "update:connections" },
        { "GET", "/api/v1/connections/legacy/scripts/login", "read:connections" },
        { "PUT", "/api/v1/connections/legacy/scripts/login", "update:connections" },
        { "GET", "/api/v1/connections/legacy/scripts/login/versions", "read:connections" },
        { "GET", "/api/v1/connections/legacy/scripts/login/versions/1", "read:connections" },
        { "POST", "/api/v1/connections/legacy/scripts/login/versions/1/rollback", "update:connections" },
        { "POST", "/api/v1/connections/legacy/scripts/login/try", "update:connections" },
        { "GET", "/api/v1/clients", "read:clients" },
        { "GET", "/api/v1/clients/machine", "read:clients" },
        { "POST", "/api/v1/clients", "update:clients" },
        { "PUT", "/api/v1/clients/machine", "update:clients" },
        { "DELETE", "/api/v1/clients/machine", "update:clients" },
        { "POST", "/api/v1/clients/machine/rotate-secret", "update:clients" },
        { "GET", "/api/v1/audit", "read:logs" },
        { "POST", "/api/v1/jobs/users-imports", "import:users" },
        { "GET", "/api/v1/jobs", "import:users" },
        { "GET", "/api/v1/jobs/00000000-0000-0000-0000-000000000001", "import:users" },
        { "GET", "/api/v1/jobs/00000000-0000-0000-0000-000000000001/errors", "import:users" },
        { "POST", "/api/v1/jobs/00000000-0000-0000-0000-000000000001/pause", "import:users" },
        { "POST", "/api/v1/jobs/00000000-0000-0000-0000-000000000001/resume", "import:users" },
        { "POST", "/api/v1/jobs/00000000-0000-0000-0000-000000000001/cancel", "import:users" },
        { "POST", "/api/v1/jobs/reset-campaigns", "import:users" },
        { "POST", "/api/v1/jobs/users-exports", "export:users" },
        { "GET", "/api/v1/jobs/00000000-0000-0000-0000-000000000001/file", "export:users" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task WithoutAToken_EveryRouteAnswers401(string method, string path, string scope)
    {
        _ = scope;
        using var http = fixture.Anonymous();
        using var response = await http.SendRawAsync(new HttpMethod(method), path, "{}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task WithAForgedToken_EveryRouteAnswers401(string method, string path, string scope)
    {
        _ = scope;
        using var http = fixture.Anonymous();
        http.DefaultRequestHeaders.Authorization = new("Bearer", "eyJhbGciOiJub25lIn0.eyJzY29wZSI6InJlYWQ6dXNlcnMifQ.");
        using var response = await http.SendRawAsync(new HttpMethod(method), path, "{}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task WithoutTheScope_EveryRouteAnswers403NamingIt(string method, string path, string scope)
    {
        // The reader token holds read:users only; for read:users routes, a token holding some other scope stands in.
        using var http = scope == "read:users" ? await fixture.ApiAsync("read:stats") : await fixture.ReaderAsync();
        using var response = await http.SendRawAsync(new HttpMethod(method), path, "{}");
        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(scope, problem.GetProperty("requiredScope").GetString());
        Assert.Contains($"'{scope}'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("insufficient_scope", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientCannotAskForAScopeItWasNotGranted()
    {
        using var http = fixture.Anonymous();
        var token = await OidcProtocol.ClientCredentialsAsync(http, TestClients.Reader.ClientId, TestClients.Reader.Secret, "delete:users");
        Assert.Null(token.AccessToken);
        Assert.NotNull(token.Error);
    }
}
