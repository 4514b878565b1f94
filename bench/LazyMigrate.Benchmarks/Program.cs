using System.Diagnostics;
using BenchmarkDotNet.Running;
using LazyMigrate.Benchmarks;

// `dotnet run -c Release --project bench/LazyMigrate.Benchmarks` prints p50/p99 per call and their ratio;
// add `-- bdn` for the BenchmarkDotNet run of the same two cases, `-- pool [CALLS]` for in-process vs the worker pool.
if (args.Length > 0 && args[0] == "pool")
{
    await PoolOverhead.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5_000);
    return;
}

if (args.Length > 0 && args[0] == "bdn")
{
    BenchmarkRunner.Run<ScriptCallBenchmarks>(args: args[1..]);
    return;
}

var bench = new ScriptCallBenchmarks();
bench.Setup();
const int warmup = 2_000;
const int calls = 20_000;
// Each case runs twice, alternating, and the second round counts: the first also pays for tiered JIT settling.
await MeasureAsync(bench.CachedPreparedScript);
await MeasureAsync(bench.ParseEveryTime);
var cached = await MeasureAsync(bench.CachedPreparedScript);
var parsed = await MeasureAsync(bench.ParseEveryTime);
Console.WriteLine($"native login, stubbed db.query, {calls} calls each (after {warmup} warm-up calls)");
Console.WriteLine($"cached prepared script + fresh engine: p50 {cached.P50:0.000} ms  p99 {cached.P99:0.000} ms");
Console.WriteLine($"parse every time + fresh engine:      p50 {parsed.P50:0.000} ms  p99 {parsed.P99:0.000} ms");
Console.WriteLine($"ratio parse/cached: p50 {parsed.P50 / cached.P50:0.00}x  p99 {parsed.P99 / cached.P99:0.00}x");

async Task<(double P50, double P99)> MeasureAsync(Func<Task<object>> call)
{
    for (var i = 0; i < warmup; i++)
    {
        await call();
    }

    var samples = new double[calls];
    for (var i = 0; i < calls; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    Array.Sort(samples);
    return (samples[calls / 2], samples[(int)(calls * 0.99)]);
}
