using System.Net;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Management;

/// <summary>Input PostgreSQL or the date arithmetic cannot take is a 400 naming the field, never a 500.</summary>
public sealed class BadInputTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/v1/users?q=a%00b", "q")]
    [InlineData("/api/v1/users?connection=a%00b", "connection")]
    [InlineData("/api/v1/users/by-email?email=a%00b%40x.example", "email")]
    [InlineData("/api/v1/audit?connection=a%00b", "connection")]
    [InlineData("/api/v1/audit?reason=a%00b", "reason")]
    [InlineData("/api/v1/audit?type=a%00b", "type")]
    public async Task QueryWithNul_IsABadRequestNamingTheField(string url, string field)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.GetAsync(url, Ct);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("""{"name":"a\u0000b"}""", "name")]
    [InlineData("""{"userMetadata":{"theme":"a\u0000b"}}""", "userMetadata.theme")]
    [InlineData("""{"userMetadata":{"a\u0000b":1}}""", "userMetadata.a?b")]
    public async Task BodyWithNul_IsABadRequestNamingTheField(string body, string field)
    {
        using var http = await fixture.ApiAsync();
        var user = await fixture.Services.CreateUserAsync();

        using var response = await http.SendRawAsync(HttpMethod.Patch, $"/api/v1/users/{user.Id}", body);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("/api/v1/users?createdFrom=2026-01-01T10:00:00%2B02:00")]
    [InlineData("/api/v1/users?lastLoginFrom=2026-01-01T10:00:00-05:00&lastLoginTo=2027-01-01T00:00:00%2B09:00")]
    [InlineData("/api/v1/audit?from=2026-01-01T10:00:00%2B02:00&to=2027-01-01T10:00:00%2B02:00")]
    public async Task DateFilterWithAnOffset_IsAccepted(string url)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.GetAsync(url, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DateFilterWithAnOffset_MeansTheSameInstantInUtc()
    {
        using var http = await fixture.ApiAsync();
        var user = await fixture.Services.CreateUserAsync();
        var created = (await (await http.GetAsync($"/api/v1/users/{user.Id}", Ct)).JsonAsync()).GetProperty("createdAt").GetDateTimeOffset();
        var justAfter = created.AddSeconds(1).ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

        using var response = await http.GetAsync($"/api/v1/users?createdFrom={Uri.EscapeDataString(justAfter)}&fields=id", Ct);

        var items = (await response.JsonAsync()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid());
        Assert.DoesNotContain(user.Id, items);
    }

    [Theory]
    [InlineData("/api/v1/users?createdFrom=yesterday", "createdFrom")]
    [InlineData("/api/v1/users?limit=many", "limit")]
    public async Task UnreadableQueryValue_NamesTheFieldAndNoType(string url, string field)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.GetAsync(url, Ct);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.DoesNotContain("DateTimeOffset", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongJsonType_NamesTheFieldAndNoType()
    {
        using var http = await fixture.ApiAsync();
        var user = await fixture.Services.CreateUserAsync();

        using var response = await http.SendRawAsync(HttpMethod.Patch, $"/api/v1/users/{user.Id}", """{"name":12}""");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _), problem.ToString());
        Assert.DoesNotContain("System.", problem.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("from=9999-12-31&to=9999-12-31", "from")]
    [InlineData("to=0001-01-01", "to")]
    public async Task StatsForDaysOutOfRange_IsABadRequest(string query, string field)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.GetAsync($"/api/v1/stats/migration?{query}", Ct);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("""{"email":"new@x.example","mail":"x"}""", "mail")]
    [InlineData("""{"email":"new@x.example","emailVerified":"yes"}""", "emailVerified")]
    [InlineData("""{"email":"new@x.example","emailVerified":null}""", "emailVerified")]
    [InlineData("""{"email":5}""", "email")]
    [InlineData("""{"email":"new@x.example",}""", null)]
    [InlineData("""{"email":""", null)]
    [InlineData("""["new@x.example"]""", null)]
    [InlineData("\"new@x.example\"", null)]
    [InlineData("""{"email":"new@x.example"} {}""", null)]
    [InlineData("null", null)]
    [InlineData("", null)]
    public async Task UnreadableBody_NamesTheFieldAndNoDotNetType(string body, string? field)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.SendRawAsync(HttpMethod.Post, "/api/v1/users", body);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var text = problem.ToString();
        Assert.DoesNotContain("LazyMigrate.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("UserCreate", text, StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), text);
        }
    }

    [Fact]
    public async Task NestedField_IsNamedByItsPath()
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.SendRawAsync(HttpMethod.Patch, "/api/v1/connections/legacy", """{"httpAllowList":["a.example", 5]}""");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("httpAllowList[1]", out _), problem.ToString());
    }

    [Theory]
    [InlineData("""{"state":1}""")]
    [InlineData("""{"state":7}""")]
    [InlineData("""{"state":"1"}""")]
    [InlineData("""{"state":"Gone"}""")]
    public async Task ConnectionState_OtherThanByName_IsRefusedNamingTheFieldAndItsNames(string body)
    {
        using var http = await fixture.ApiAsync();

        using var response = await http.SendRawAsync(HttpMethod.Patch, "/api/v1/connections/legacy", body);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors").GetProperty("state").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(["Must be one of 'Importing', 'Disconnected'."], errors);
        Assert.DoesNotContain("LazyMigrate.", problem.ToString(), StringComparison.Ordinal);
        using var read = await http.GetAsync("/api/v1/connections/legacy", Ct);
        Assert.Equal("Importing", (await read.JsonAsync()).GetProperty("state").GetString());
    }
}
