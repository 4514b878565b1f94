using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/stats: how far the migration has come.</summary>
public static class StatsApi
{
    private const int MaxDays = 366;

    public static RouteGroupBuilder MapStatsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/stats/migration", GetMigrationStats).WithTags("Stats").RequireScope(ManagementScopes.ReadStats).WithName("GetMigrationStats")
            .WithSummary("Get migration progress")
            .WithDescription("Totals, a per-day series of migrations and script failures for [from, to] (UTC days; the last 30 by default), " +
                "progress per connection, failures by reason, users remaining (from countUsers) and a projected finish date from the last " +
                "seven days' rate.");
        return api;
    }

    /// <summary>
    /// Totals, a per-day series of migrations and script failures for [from, to] (UTC days; the last 30 by default),
    /// progress per connection, failures by reason, users remaining (from countUsers) and a projected finish date
    /// drawn from the last seven days' rate.
    /// </summary>
    public static async Task<Results<Ok<MigrationSnapshot>, ValidationProblem>> GetMigrationStats(
        MigrationStats stats, TimeProvider time, CancellationToken cancellationToken, DateOnly? from = null, DateOnly? to = null)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);

        // Days far from today mean nothing here, and near DateOnly's ends the day arithmetic would overflow.
        var earliest = new DateOnly(2000, 1, 1);
        var latest = today.AddDays(MaxDays);
        foreach (var (name, day) in new[] { ("from", from), ("to", to) })
        {
            if (day < earliest || day > latest)
            {
                return ApiProblems.Invalid(name, $"Between {earliest:yyyy-MM-dd} and {latest:yyyy-MM-dd}.");
            }
        }

        var end = to ?? today;
        var start = from ?? end.AddDays(-29);
        if (start > end)
        {
            return ApiProblems.Invalid("from", "'from' must not be after 'to'.");
        }

        if (end.DayNumber - start.DayNumber >= MaxDays)
        {
            return ApiProblems.Invalid("to", $"At most {MaxDays} days at a time.");
        }

        return TypedResults.Ok(await stats.GetAsync(start, end, cancellationToken));
    }
}
