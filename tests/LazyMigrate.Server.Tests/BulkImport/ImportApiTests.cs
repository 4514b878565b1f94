using System.Net;
using System.Net.Http.Json;
using System.Text;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.BulkImport;

/// <summary>Bad import requests get RFC 7807 problem details naming the field, never a 500, and never echo a password.</summary>
public sealed class ImportApiTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    private const string File = "{\"email\":\"a@bulk.example\"}\n";

    public static TheoryData<string, string, string, string> BadUploads => new()
    {
        // connection, extra field name, extra field value, the field the problem names
        { "", "format", "jsonl", "connection" },
        { "no-such-connection", "format", "jsonl", "connection" },
        { "legacy", "format", "xml", "format" },
        { "legacy", "verify", "not-an-address:secret-password-1", "verify" },
        { "legacy", "verify", "a@bulk.example:", "verify" },
        { "legacy", "pageSize", "0", "pageSize" },
        { "legacy", "rate", "many", "rate" },
        { "legacy", "columns", "{\"e-mail\":\"E-Mail\"}", "columns" },
        { "legacy", "bogus", "1", "bogus" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task Upload_WithABadField_AnswersAProblemNamingIt(string connection, string name, string value, string field)
    {
        using var api = await fixture.ApiAsync();

        using var response = await api.UploadAsync(File, connection, [new(name, value)]);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.DoesNotContain("secret-password-1", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_WithoutAFile_OrWithAFieldAfterIt_IsRefusedAndLeavesNoJob()
    {
        using var api = await fixture.ApiAsync();
        var jobsBefore = await fixture.WithDatabaseAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Jobs, TestContext.Current.CancellationToken));

        using var noFile = new MultipartFormDataContent { { new StringContent("legacy"), "connection" } };
        using var missing = await api.PostAsync("/api/v1/jobs/users-imports", noFile, TestContext.Current.CancellationToken);
        Assert.True((await missing.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("users", out _));

        using var late = new MultipartFormDataContent
        {
            { new StringContent("legacy"), "connection" },
            { new ByteArrayContent(Encoding.UTF8.GetBytes(File)), "users", "users.jsonl" },
            { new StringContent("a@bulk.example:pw"), "verify" },
        };
        using var after = await api.PostAsync("/api/v1/jobs/users-imports", late, TestContext.Current.CancellationToken);
        Assert.True((await after.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("users", out _));

        using var empty = await api.UploadAsync("");
        Assert.True((await empty.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("users", out _));

        Assert.Equal(jobsBefore, await fixture.WithDatabaseAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(db.Jobs, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task APullImport_NamesTheSourceWhenTheConnectionHasNoListUsersScript_AndRefusesUnknownFields()
    {
        using var api = await fixture.ApiAsync();

        using var pull = await api.PostAsJsonAsync("/api/v1/jobs/users-imports", new { connection = "legacy", source = "listUsers", rate = 200, pageSize = 500 }, TestContext.Current.CancellationToken);
        var problem = await pull.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("no listUsers script", problem.GetProperty("errors").GetProperty("source")[0].GetString(), StringComparison.Ordinal);

        using var other = await api.PostAsJsonAsync("/api/v1/jobs/users-imports", new { connection = "legacy", source = "ldap" }, TestContext.Current.CancellationToken);
        Assert.Contains("no 'ldap' import source", (await other.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty("source")[0].GetString(), StringComparison.Ordinal);

        using var unknown = await api.SendRawAsync(HttpMethod.Post, "/api/v1/jobs/users-imports", """{"connection":"legacy","sauce":"listUsers"}""");
        await unknown.ProblemAsync(HttpStatusCode.BadRequest);

        using var rate = await api.SendRawAsync(HttpMethod.Post, "/api/v1/jobs/users-imports", """{"connection":"legacy","source":"listUsers","rate":0}""");
        Assert.True((await rate.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("rate", out _));

        using var text = new StringContent("users", Encoding.UTF8, "text/plain");
        using var plain = await api.PostAsync("/api/v1/jobs/users-imports", text, TestContext.Current.CancellationToken);
        await plain.ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Jobs_UnknownIdsBadPagingAndTheWrongScope_AnswerProblems()
    {
        using var api = await fixture.ApiAsync();
        var missing = Guid.NewGuid();
        foreach (var (method, path) in new[] { ("GET", $"/api/v1/jobs/{missing}"), ("GET", $"/api/v1/jobs/{missing}/errors"), ("POST", $"/api/v1/jobs/{missing}/pause"), ("POST", $"/api/v1/jobs/{missing}/resume"), ("POST", $"/api/v1/jobs/{missing}/cancel") })
        {
            using var response = await api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }

        using (var limit = await api.GetAsync("/api/v1/jobs?limit=0", TestContext.Current.CancellationToken))
        {
            Assert.True((await limit.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("limit", out _));
        }

        using (var cursor = await api.GetAsync("/api/v1/jobs?cursor=nonsense", TestContext.Current.CancellationToken))
        {
            Assert.True((await cursor.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("cursor", out _));
        }

        var id = await api.StartImportAsync(File);
        using var exporter = await fixture.ApiAsync("export:users");
        using var forbidden = await exporter.GetAsync($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken);
        Assert.Equal("import:users", (await forbidden.ProblemAsync(HttpStatusCode.Forbidden)).GetProperty("requiredScope").GetString());
        var list = await exporter.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/jobs", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), j => j.GetProperty("id").GetGuid() == id);
    }
}
