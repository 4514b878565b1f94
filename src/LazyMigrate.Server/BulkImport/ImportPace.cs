namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// An import job's one pace (sources do not pace themselves): a page is asked for no sooner than its predecessor's rows
/// take at the rate, counted from when that page was asked for. Time the job spent behind (a slow write, a slow legacy
/// page) is not made up with a burst afterwards, so the rate is a ceiling over any stretch of the run, not just its
/// average, and a legacy database that stalled is not hit harder once it answers again. One reader at a time.
/// </summary>
public sealed class ImportPace(int rowsPerSecond, TimeProvider time)
{
    private readonly long _started = time.GetTimestamp();
    private TimeSpan _due = TimeSpan.Zero;
    private TimeSpan _asked = TimeSpan.Zero;

    /// <summary>Completes when the next page is due.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var wait = _due - time.GetElapsedTime(_started);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }

        _asked = TimeSpan.FromTicks(Math.Max(_due.Ticks, time.GetElapsedTime(_started).Ticks));
    }

    /// <summary>The page asked for after the last wait held this many rows.</summary>
    public void Asked(int rows) => _due = _asked + TimeSpan.FromSeconds((double)rows / rowsPerSecond);
}
