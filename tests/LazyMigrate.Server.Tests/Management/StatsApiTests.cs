using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LazyMigrate.Server.Tests.Management;

/// <summary>The server's clock, shifted: real time passes, but "now" can be set to any day.</summary>
public sealed class ShiftedClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Makes "now" noon (UTC) of <paramref name="day"/>.</summary>
    public void SetDay(DateOnly day) =>
        Offset = new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero) - System.GetUtcNow();
}

public sealed class ClockedServerFixture : ManagementApiFixture
{
    public ShiftedClock Clock { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
}

public class StatsApiTests(ClockedServerFixture fixture) : IClassFixture<ClockedServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stats_MatchAScenarioOfImportsAndFailuresOverSeveralDays()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var (dayOne, dayTwo, dayThree) = (today.AddDays(-9), today.AddDays(-2), today.AddDays(-1));
        var users = new List<LegacyUser>();
        for (var i = 0; i < 5; i++)
        {
            users.Add(await fixture.Legacy.AddUserAsync($"password number {i}"));
        }

        fixture.Clock.SetDay(dayOne);
        await fixture.LogInAsync(users[0].Email, users[0].Password);
        await fixture.LogInAsync(users[1].Email, users[1].Password);

        fixture.Clock.SetDay(dayTwo);
        await fixture.LogInAsync(users[2].Email, users[2].Password);
        // The legacy table disappears for one login: the script fails, and that is a failure of day two.
        await fixture.Legacy.ExecuteAsync("ALTER TABLE users RENAME TO users_away");
        await fixture.LogInAsync(users[4].Email, users[4].Password);
        await fixture.Legacy.ExecuteAsync("ALTER TABLE users_away RENAME TO users");

        fixture.Clock.SetDay(dayThree);
        await fixture.LogInAsync(users[3].Email, users[3].Password);
        fixture.Clock.Offset = TimeSpan.Zero;

        var failure = await fixture.WithDatabaseAsync(db => db.AuditEvents.SingleAsync(a => a.Type == AuditEventType.ScriptFailed, Ct));
        Assert.Equal(dayTwo, DateOnly.FromDateTime(failure.At.UtcDateTime));

        using var http = await fixture.ApiAsync("read:stats");
        var stats = await http.GetFromJsonAsync<JsonElement>($"/api/v1/stats/migration?from={Iso(dayOne.AddDays(-1))}&to={Iso(today)}", Ct);

        Assert.Equal(4, stats.GetProperty("migratedTotal").GetInt32());
        var perDay = stats.GetProperty("perDay").EnumerateArray().ToDictionary(
            d => DateOnly.Parse(d.GetProperty("day").GetString()!, CultureInfo.InvariantCulture),
            d => (Migrated: d.GetProperty("migrated").GetInt32(), Failures: d.GetProperty("failures").GetInt32()));
        Assert.Equal(11, perDay.Count);
        Assert.Equal((2, 0), perDay[dayOne]);
        Assert.Equal((1, 1), perDay[dayTwo]);
        Assert.Equal((1, 0), perDay[dayThree]);
        Assert.Equal(4, perDay.Values.Sum(d => d.Migrated));
        Assert.Equal(1, perDay.Values.Sum(d => d.Failures));

        var reasons = stats.GetProperty("failuresByReason").EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetInt32());
        Assert.Equal(new Dictionary<string, int> { [failure.Reason!] = 1 }, reasons);

        var legacy = Assert.Single(stats.GetProperty("connections").EnumerateArray());
        Assert.Equal(4, legacy.GetProperty("migrated").GetInt32());
        Assert.Equal(5, legacy.GetProperty("legacyTotal").GetInt64());
        Assert.Equal(1, legacy.GetProperty("remaining").GetInt64());
        Assert.Equal(1, stats.GetProperty("remaining").GetInt64());

        // Two imports in the last seven days: 2/7 a day, so the one left takes ceil(3.5) = 4 days.
        Assert.Equal(Iso(today.AddDays(4)), stats.GetProperty("projectedFinish").GetString());

        using var inverted = await http.GetAsync($"/api/v1/stats/migration?from={Iso(today)}&to={Iso(dayOne)}", Ct);
        await inverted.ProblemAsync(System.Net.HttpStatusCode.BadRequest);
        using var tooLong = await http.GetAsync($"/api/v1/stats/migration?from=2000-01-01&to={Iso(today)}", Ct);
        await tooLong.ProblemAsync(System.Net.HttpStatusCode.BadRequest);
    }

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
