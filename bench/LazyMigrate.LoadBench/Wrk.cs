using System.Diagnostics;
using System.Globalization;

namespace LazyMigrate.LoadBench;

/// <summary>What one wrk run counted: answers per status, and the latency percentiles in microseconds.</summary>
internal sealed record WrkResult(IReadOnlyDictionary<int, long> Statuses, double Seconds, long P50Micros, long P99Micros)
{
    /// <summary>Slices of one measure as one: counts and seconds added, the latencies of the slowest slice.</summary>
    public static WrkResult Sum(IReadOnlyList<WrkResult> slices) => new(
        slices.SelectMany(r => r.Statuses).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value)),
        slices.Sum(r => r.Seconds), slices.Max(r => r.P50Micros), slices.Max(r => r.P99Micros));

    public long Count(params int[] statuses) => statuses.Sum(s => Statuses.GetValueOrDefault(s));

    public double Rate(params int[] statuses) => Count(statuses) / Seconds;

    public override string ToString() =>
        string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")) + $"; p50 {P50Micros / 1000.0:0.0} ms, p99 {P99Micros / 1000.0:0.0} ms";
}

/// <summary>Runs wrk with one of the scripts in bench/load (2 threads, the given connections and duration).</summary>
internal sealed class Wrk(string luaDirectory)
{
    public const int Threads = 2;

    public async Task<WrkResult> RunAsync(string script, Uri url, int connections, int seconds, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { $"-t{Threads}", $"-c{connections}", $"-d{seconds}s", "--timeout", "30s", "-s", Path.Combine(luaDirectory, script), url.AbsoluteUri })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BENCH_LUA"] = luaDirectory;
        start.Environment["THREADS"] = Threads.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"wrk {script} failed ({process.ExitCode}): {text} {await errors}");
        }

        var statuses = new Dictionary<int, long>();
        long p50 = 0, p99 = 0;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["status", var status, var n])
            {
                statuses[int.Parse(status, CultureInfo.InvariantCulture)] = long.Parse(n, CultureInfo.InvariantCulture);
            }
            else if (parts is ["latency", "p50", var a, "p99", var b])
            {
                p50 = long.Parse(a, CultureInfo.InvariantCulture);
                p99 = long.Parse(b, CultureInfo.InvariantCulture);
            }
        }

        return new WrkResult(statuses, seconds, p50, p99);
    }
}
