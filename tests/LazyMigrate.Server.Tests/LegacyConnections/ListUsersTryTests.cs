using System.Net;
using System.Net.Http.Json;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.LegacyConnections;

/// <summary>
/// listUsers is a script like the others in the API: its versions, and Try, which runs a page from a cursor and shows
/// each entry's hash format, never the hash.
/// </summary>
public sealed class ListUsersTryTests(PullImportServerFixture fixture) : IClassFixture<PullImportServerFixture>
{
    [Fact]
    public async Task Try_ListUsers_ShowsAPageFromTheCursor_WithHashFormatsOnly()
    {
        var api = await fixture.ApiAsync();
        await fixture.Legacy.ExecuteAsync("DELETE FROM users");
        var first = await fixture.Legacy.AddUserAsync("try-page-1");
        var second = await fixture.Legacy.AddUserAsync("try-page-2");
        var hash = (string?)await fixture.Legacy.QueryScalarAsync("SELECT password_hash FROM users WHERE email = @email", ("email", second.Email));

        var script = await api.GetAsync("/api/v1/connections/legacy/scripts/listUsers", TestContext.Current.CancellationToken);
        var tried = await api.PostAsJsonAsync("/api/v1/connections/legacy/scripts/listUsers/try", new { cursor = first.Id }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.OK, tried.StatusCode);
        var text = await tried.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var trial = await tried.JsonAsync();
        Assert.Equal("Listed", trial.GetProperty("outcome").GetString());
        var entry = Assert.Single(trial.GetProperty("page").EnumerateArray());
        Assert.Equal(second.Id, entry.GetProperty("legacyId").GetString());
        Assert.Equal("bcrypt", entry.GetProperty("hashFormat").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, trial.GetProperty("nextCursor").ValueKind);
        Assert.DoesNotContain(hash!, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Try_ListUsers_ACursorTooLong_IsRefused_NamingTheField()
    {
        var api = await fixture.ApiAsync();

        var tried = await api.PostAsJsonAsync("/api/v1/connections/legacy/scripts/listUsers/try", new { cursor = new string('9', 2000) }, TestContext.Current.CancellationToken);

        var problem = await tried.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _));
    }
}
