using System.Diagnostics.Metrics;

namespace LazyMigrate.Server.BulkImport;

/// <summary>Rows written by import jobs (file uploads and pulls through listUsers) by connection, source and outcome.</summary>
public sealed class ImportMetrics
{
    public const string MeterName = "LazyMigrate.BulkImport";

    private readonly Counter<long> _rows;

    public ImportMetrics(IMeterFactory meters)
    {
        _rows = meters.Create(MeterName).CreateCounter<long>("lazymigrate.import.rows", "{row}",
            "Import job rows by outcome: imported (a new user), linked (an identity of a user already here), skipped, refused.");
    }

    public void Written(string? connection, string source, PageResult page)
    {
        Add(connection, source, "imported", page.Created);
        Add(connection, source, "linked", page.Linked);
        Add(connection, source, "skipped", page.Skipped);
        Add(connection, source, "refused", page.Refused);
    }

    private void Add(string? connection, string source, string outcome, int rows)
    {
        // Zero rows still create the series, so a dashboard shows 0 rather than no data for an outcome not seen yet.
        _rows.Add(
            rows,
            new KeyValuePair<string, object?>("connection", connection ?? ""),
            new KeyValuePair<string, object?>("source", source),
            new KeyValuePair<string, object?>("outcome", outcome));
    }
}
