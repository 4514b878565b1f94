namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>Waits for a condition with a bound, polling: a wait on a signal, never a fixed sleep.</summary>
public static class Wait
{
    /// <summary>
    /// The default bound is longer than the longest script deadline a fixture sets (2 minutes): what is waited for
    /// often sits behind a script call (a reset email after getUser), and only a real failure should reach the bound.
    /// </summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? bound = null)
    {
        var until = DateTime.UtcNow + (bound ?? TimeSpan.FromMinutes(3));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"The condition did not hold within the bound; last value: {value}");
            }

            await poll.WaitForNextTickAsync(TestContext.Current.CancellationToken);
        }
    }
}
