using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;

namespace LazyMigrate.Server.Tests.LazyMigration;

/// <summary>
/// The end of a campaign: once the connection is disconnected, the statistics keep the users it brought (lazily and in
/// bulk) and say nothing remains to come over, instead of dropping the connection's figures and calling the remainder
/// unknown, and with no projected finish date (both found by bench/LazyMigrate.CampaignBench). One test in its class: it disconnects the class's connection.
/// </summary>
public sealed class MigrationStatsAfterDisconnectTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stats_AfterTheDisconnect_KeepTheConnectionsUsersAndNothingRemains()
    {
        var legacy = await fixture.Legacy.AddUserAsync("lazy password");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var users = SampleUserFiles.Users(4, Guid.NewGuid().ToString("N")[..10], SampleHash.Md5, SampleHash.None);
        using var api = await fixture.ApiAsync();
        var job = await api.WaitForEndAsync(await api.StartImportAsync(SampleUserFiles.JsonLines(users)));
        Assert.Equal(("Completed", 4L), (job.GetProperty("state").GetString(), job.Count("created")));

        using var unconfirmed = await api.PatchJsonAsync("/api/v1/connections/legacy", new { state = "Disconnected" }, "*");
        Assert.Equal(System.Net.HttpStatusCode.Conflict, unconfirmed.StatusCode);
        using var confirmed = await api.PatchJsonAsync("/api/v1/connections/legacy", new { state = "Disconnected", confirmDisconnect = true }, "*");
        Assert.Equal("Disconnected", (await confirmed.JsonAsync()).GetProperty("state").GetString());

        var stats = await api.GetFromJsonAsync<JsonElement>("/api/v1/stats/migration", Ct);
        Assert.Equal(5, stats.GetProperty("migratedTotal").GetInt32());
        Assert.Equal(JsonValueKind.Number, stats.GetProperty("remaining").ValueKind);
        Assert.Equal(0, stats.GetProperty("remaining").GetInt64());
        // Users migrated this week and none remaining: complete, not a projected finish of today.
        Assert.Equal(JsonValueKind.Null, stats.GetProperty("projectedFinish").ValueKind);
        var connection = stats.GetProperty("connections").EnumerateArray().Single(c => c.GetProperty("connection").GetString() == "legacy");
        Assert.Equal(5, connection.GetProperty("migrated").GetInt32());
        Assert.Equal(JsonValueKind.Null, connection.GetProperty("legacyTotal").ValueKind);
        var kinds = connection.GetProperty("kinds");
        Assert.Equal((1, 4, 2, 2), (kinds.GetProperty("lazilyMigrated").GetInt32(), kinds.GetProperty("bulkImported").GetInt32(),
            kinds.GetProperty("awaitingFirstSignIn").GetInt32(), kinds.GetProperty("resetRequired").GetInt32()));
    }
}
