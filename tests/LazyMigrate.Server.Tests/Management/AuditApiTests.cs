using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Management;

public class AuditApiTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheAuditLog_FiltersByTypeUserAndConnection_AndPagesNewestFirst()
    {
        var legacy = await fixture.Legacy.AddUserAsync("audited user");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var id = (await fixture.WithDatabaseAsync(db => db.Users.SingleAsync(u => u.Identities.Any(i => i.LegacyId == legacy.Id), Ct))).Id;
        using var http = await fixture.ApiAsync("read:logs");

        var migrated = await http.GetFromJsonAsync<JsonElement>($"/api/v1/audit?type=UserMigrated&userId={id}", Ct);
        var only = Assert.Single(migrated.GetProperty("items").EnumerateArray());
        Assert.Equal("legacy", only.GetProperty("connection").GetString());

        var logins = new List<JsonElement>();
        string? url = $"/api/v1/audit?userId={id}&type=loginSucceeded&limit=2";
        while (url is not null)
        {
            var page = await http.GetFromJsonAsync<JsonElement>(url, Ct);
            logins.AddRange(page.GetProperty("items").EnumerateArray());
            url = page.GetProperty("next").GetString();
        }

        Assert.Equal(3, logins.Count);
        var times = logins.Select(l => l.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);

        var everything = await http.GetFromJsonAsync<JsonElement>($"/api/v1/audit?connection=legacy&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}&limit=500", Ct);
        Assert.Contains(everything.GetProperty("items").EnumerateArray(), e => e.GetProperty("type").GetString() == "UserMigrated");
        var future = await http.GetFromJsonAsync<JsonElement>($"/api/v1/audit?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"))}", Ct);
        Assert.Empty(future.GetProperty("items").EnumerateArray());

        using var badType = await http.GetAsync("/api/v1/audit?type=Everything", Ct);
        Assert.True((await badType.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("type", out _));
    }
}
