using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Login;

/// <summary>The <c>LazyMigrate:Login</c> section.</summary>
public sealed class LoginOptions
{
    public const string Section = "LazyMigrate:Login";

    /// <summary>No failed sign-in is answered sooner than this after it began (default zero: the adaptive floor alone).</summary>
    public TimeSpan FailureFloor { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// The adaptive floor: this percentile of how long recent failed sign-ins took to decide (default 0.99); 0 turns
    /// it off. It follows the load and the legacy scripts' costs without configuration. Below 1, a few outliers (a
    /// sandbox worker starting, a pause) do not set it.
    /// </summary>
    public double AdaptiveFloorPercentile { get; set; } = 0.95;

    /// <summary>The adaptive floor never exceeds this (default 2 s), however slow failures get.</summary>
    public TimeSpan MaxAdaptiveFloor { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Evens out the time of failed sign-ins, whatever path decided them: an unknown address (dummy hash, legacy scripts
/// saying no), a local user's wrong password (the native hash), a legacy user's wrong password (the script and its
/// legacy hash), a legacy system that knows nobody, a throttled attempt (one indexed read). Each is answered no sooner
/// than one floor after it began: the larger of <see cref="LoginOptions.FailureFloor"/> and a high percentile of the
/// time recent failures took to decide, so the slowest normal path sets the pace for all of them.
/// <para>
/// Why the floor tells nothing itself: it is one value for every failed attempt at a time, whatever the identifier,
/// computed from the failures of everyone (not of the account tried), so waiting it out reveals nothing about the
/// account. What remains is the slowest path's own tail above the floor (its slowest tries, more of them when that
/// path is rare among all failures); a configured floor above that path's slowest
/// tries closes it. Successful sign-ins are never held: the answer itself already says the password was right.
/// </para>
/// The wait is a timer (no thread), after the attempt's last database command (no connection held).
/// </summary>
public sealed class LoginFailureFloor(IOptions<LoginOptions> options, TimeProvider time)
{
    /// <summary>The recent failures the adaptive floor is taken from, and how many it needs before it counts.</summary>
    private const int Samples = 500;
    private const int MinimumSamples = 20;
    private readonly double[] _recent = new double[Samples];
    private readonly Lock _lock = new();
    private int _count;
    private int _next;
    private int _holding;

    /// <summary>Failed sign-ins waiting for the floor right now.</summary>
    public int Holding => Volatile.Read(ref _holding);

    /// <summary>A timestamp to pass to <see cref="HoldAsync"/>, taken when the attempt begins.</summary>
    public long Start() => time.GetTimestamp();

    /// <summary>
    /// Waits until the floor has passed since <paramref name="started"/>. <paramref name="decided"/> is true when the
    /// attempt did the full work of a normal failure (not throttled, no legacy outage): only those set the floor.
    /// </summary>
    public async Task HoldAsync(long started, bool decided, CancellationToken cancellationToken)
    {
        var worked = time.GetElapsedTime(started);
        var wait = Floor(decided ? worked : null) - worked;
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        // The timer exists before the attempt counts as held: whoever sees it held (a test moving a fake clock) may
        // move time on at once, and a timer made after that move would wait from the later time.
        var held = Task.Delay(wait, time, cancellationToken);
        Interlocked.Increment(ref _holding);
        try
        {
            await held;
        }
        finally
        {
            Interlocked.Decrement(ref _holding);
        }
    }

    private TimeSpan Floor(TimeSpan? sample)
    {
        var settings = options.Value;
        if (settings.AdaptiveFloorPercentile <= 0)
        {
            return settings.FailureFloor;
        }

        double[] sorted;
        lock (_lock)
        {
            if (sample is { } worked)
            {
                _recent[_next] = worked.TotalMilliseconds;
                _next = (_next + 1) % Samples;
                _count = Math.Min(_count + 1, Samples);
            }

            if (_count < MinimumSamples)
            {
                return settings.FailureFloor;
            }

            sorted = _recent[.._count];
        }

        Array.Sort(sorted);
        var index = Math.Clamp((int)Math.Ceiling(settings.AdaptiveFloorPercentile * sorted.Length) - 1, 0, sorted.Length - 1);
        var adaptive = TimeSpan.FromMilliseconds(sorted[index]);
        if (adaptive > settings.MaxAdaptiveFloor)
        {
            adaptive = settings.MaxAdaptiveFloor;
        }

        return adaptive > settings.FailureFloor ? adaptive : settings.FailureFloor;
    }
}

/// <summary>Refuses settings that cannot be a floor, naming them.</summary>
public sealed class LoginOptionsValidator : IValidateOptions<LoginOptions>
{
    public ValidateOptionsResult Validate(string? name, LoginOptions options)
    {
        var errors = new List<string>();
        if (options.FailureFloor < TimeSpan.Zero || options.FailureFloor > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{LoginOptions.Section}:FailureFloor must be between 0 and 30 seconds.");
        }

        if (options.AdaptiveFloorPercentile is < 0 or > 1 || double.IsNaN(options.AdaptiveFloorPercentile))
        {
            errors.Add($"{LoginOptions.Section}:AdaptiveFloorPercentile must be between 0 (off) and 1.");
        }

        if (options.MaxAdaptiveFloor < TimeSpan.Zero || options.MaxAdaptiveFloor > TimeSpan.FromSeconds(30))
        {
            errors.Add($"{LoginOptions.Section}:MaxAdaptiveFloor must be between 0 and 30 seconds.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
