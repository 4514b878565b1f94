using System.Globalization;
using System.Text;

namespace LazyMigrate.LoadBench;

/// <summary>The one table the bench prints: each measure with its reference from the same run and their ratio.</summary>
internal sealed class Report(BenchSettings settings)
{
    private readonly List<(string Measure, double Value, string Detail)> _rows = [];
    private readonly List<(string Measure, string Name, double Value, string Detail, bool IsBase)> _references = [];
    private readonly List<(string Kind, int[] Counts)> _roundTrips = [];
    private readonly List<string> _notes = [];
    private (Resident Idle, Resident Loaded, Resident Settled)? _memory;

    public void Row(string measure, double value, string detail)
    {
        _rows.Add((measure, value, detail));
        Console.Error.WriteLine($"{measure}: {value:0.0} ({detail})");
    }

    public void Reference(string measure, string name, double value, string detail, bool isBase = true)
    {
        _references.Add((measure, name, value, detail, isBase));
        Console.Error.WriteLine($"  reference {name}: {value:0.0} ({detail})");
    }

    public void RoundTrips(string kind, int[] counts)
    {
        _roundTrips.Add((kind, counts));
        Console.Error.WriteLine($"round trips, {kind}: {string.Join(' ', counts)}");
    }

    public void Memory(Resident idle, Resident loaded, Resident settled) => _memory = (idle, loaded, settled);

    /// <summary>How long after the run the memory is read again: past twice the sandbox pool's idle timeout (15 s), so workers a burst needed are gone.</summary>
    public const int SettleSeconds = 35;

    public void Note(string note) => _notes.Add(note);

    public void Print()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"wrk -t{Wrk.Threads}, {settings.Duration} s after {settings.Warmup} s warm-up; native hash {settings.Hash}");
        text.AppendLine();
        text.AppendLine("| Measure | LazyMigrate | Reference | Ratio |");
        text.AppendLine("|---|---|---|---|");
        foreach (var (measure, value, _) in _rows)
        {
            var references = _references.Where(r => r.Measure == measure).ToList();
            if (references.Count == 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {measure} | {value:N1} | (absolute) | |");
            }

            foreach (var reference in references)
            {
                var ratio = reference.IsBase ? (value / reference.Value).ToString("0.00", CultureInfo.InvariantCulture) : "";
                text.AppendLine(CultureInfo.InvariantCulture, $"| {measure} | {value:N1} | {reference.Name}: {reference.Value:N1} | {ratio} |");
            }
        }

        if (_memory is { } memory)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| server RSS idle / after the run / {SettleSeconds} s later ({memory.Idle.Processes} / {memory.Loaded.Processes} / {memory.Settled.Processes} processes with the sandbox workers) | " +
                $"{memory.Idle.Bytes / 1048576.0:N0} MB / {memory.Loaded.Bytes / 1048576.0:N0} MB / {memory.Settled.Bytes / 1048576.0:N0} MB | | |");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| the same, a page of a file the processes share counted once (as a container's memory counts it) | " +
                $"{memory.Idle.SharedOnceBytes / 1048576.0:N0} MB / {memory.Loaded.SharedOnceBytes / 1048576.0:N0} MB / {memory.Settled.SharedOnceBytes / 1048576.0:N0} MB | | |");
        }

        text.AppendLine();
        text.AppendLine("| Request kind | PostgreSQL round trips (5 requests after one warm-up) |");
        text.AppendLine("|---|---|");
        foreach (var (kind, counts) in _roundTrips)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {string.Join(", ", counts)} |");
        }

        text.AppendLine();
        foreach (var (measure, value, detail) in _rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {measure}: {detail}");
        }

        foreach (var reference in _references)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- reference {reference.Name}: {reference.Detail}");
        }

        foreach (var note in _notes)
        {
            text.AppendLine("- " + note);
        }

        Console.WriteLine(text.ToString());
    }
}
