using LazyMigrate.Server.Audit;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Pages.Console.Audit;

public sealed class IndexModel(AuditLog log) : ConsolePage
{
    [BindProperty(SupportsGet = true)]
    public AuditEventType? Type { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Connection { get; set; }

    [BindProperty(SupportsGet = true, Name = "user")]
    public Guid? UserId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Reason { get; set; }

    /// <summary>First day shown (UTC).</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    /// <summary>Last day shown (UTC), inclusive.</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public long? Before { get; set; }

    public AuditPage Entries { get; private set; } = new([], null);

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Entries = await log.QueryAsync(new AuditQuery
        {
            Type = Type,
            Connection = Blank(Connection),
            UserId = UserId,
            Reason = Blank(Reason),
            From = From is { } from ? new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            To = To is { } to ? new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            Before = Before,
            Limit = 100,
        }, cancellationToken);

    /// <summary>The link to the next (older) page, keeping the filters.</summary>
    public string NextPageUrl() =>
        "/console/audit" + QueryString.Create(new Dictionary<string, string?>
        {
            ["type"] = Type?.ToString(),
            ["connection"] = Connection,
            ["user"] = UserId?.ToString(),
            ["reason"] = Reason,
            ["from"] = From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["to"] = To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["before"] = Entries.NextBefore?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }.Where(p => !string.IsNullOrEmpty(p.Value)));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
