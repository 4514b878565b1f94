using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.LazyMigration;

namespace LazyMigrate.Server.Pages.Console;

public sealed class IndexModel(MigrationStats stats, ConnectionAdministration connections, TimeProvider time) : ConsolePage
{
    /// <summary>How many days the chart shows, ending today (UTC).</summary>
    public const int ChartDays = 30;

    public MigrationSnapshot Snapshot { get; private set; } = null!;

    public IReadOnlyList<ConnectionView> Connections { get; private set; } = [];

    public DayChart Chart { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        Snapshot = await stats.GetAsync(today.AddDays(1 - ChartDays), today, cancellationToken);
        Connections = await connections.ListAsync(cancellationToken);
        Chart = new DayChart(Snapshot.PerDay);
    }
}

/// <summary>
/// The per-day bars of migrations and failures, laid out for a server-rendered SVG (no script, no inline style:
/// the page's CSP allows neither, and the chart must show without JavaScript).
/// </summary>
public sealed class DayChart(IReadOnlyList<DayCount> days)
{
    public const int Width = 720;
    public const int Height = 200;
    public const int Bottom = 180;

    public IReadOnlyList<DayCount> Days { get; } = days;

    /// <summary>The top of the scale: the largest count, at least 1 so an empty chart still draws.</summary>
    public int Max { get; } = Math.Max(1, days.Count == 0 ? 0 : days.Max(d => Math.Max(d.Migrated, d.Failures)));

    public double Slot => (double)Width / Math.Max(1, Days.Count);

    public double BarWidth => Math.Max(1, Slot * 0.38);

    public double X(int index, bool failures) => index * Slot + Slot * 0.1 + (failures ? BarWidth : 0);

    public double BarHeight(int count) => count == 0 ? 0 : Math.Max(1.5, (Bottom - 10) * (double)count / Max);
}
