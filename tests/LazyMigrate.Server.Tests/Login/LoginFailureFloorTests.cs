using LazyMigrate.Server.Login;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LazyMigrate.Server.Tests.Login;

/// <summary>The floor itself, on a clock the test moves: what it holds, for how long, and what sets it.</summary>
public sealed class LoginFailureFloorTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task Failure_FasterThanTheConfiguredFloor_IsHeldUntilTheFloorExactly()
    {
        var floor = Floor(new LoginOptions { FailureFloor = TimeSpan.FromMilliseconds(300), AdaptiveFloorPercentile = 0 });
        var started = floor.Start();
        _clock.Advance(TimeSpan.FromMilliseconds(100));

        var held = floor.HoldAsync(started, decided: true, TestContext.Current.CancellationToken);
        Assert.False(held.IsCompleted);
        Assert.Equal(1, floor.Holding);

        _clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.False(held.IsCompleted);

        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await held;
        Assert.Equal(0, floor.Holding);
    }

    [Fact]
    public void Failure_SlowerThanTheFloor_IsNotHeld()
    {
        var floor = Floor(new LoginOptions { FailureFloor = TimeSpan.FromMilliseconds(300), AdaptiveFloorPercentile = 0 });
        var started = floor.Start();
        _clock.Advance(TimeSpan.FromMilliseconds(400));

        Assert.True(floor.HoldAsync(started, decided: true, TestContext.Current.CancellationToken).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task AdaptiveFloor_IsTheSlowPathsTime_AndAThrottledAttemptDoesNotLowerIt()
    {
        var floor = Floor(new LoginOptions { AdaptiveFloorPercentile = 0.9 });
        // Half the failures took the slow path (200 ms), half the fast one (10 ms); then many fast throttled ones.
        for (var i = 0; i < 40; i++)
        {
            await FailAsync(floor, TimeSpan.FromMilliseconds(i % 2 == 0 ? 200 : 10), decided: true);
        }

        for (var i = 0; i < 50; i++)
        {
            var throttled = floor.Start();
            var hold = floor.HoldAsync(throttled, decided: false, TestContext.Current.CancellationToken);
            _clock.Advance(TimeSpan.FromMilliseconds(200));
            await hold;
        }

        var started = floor.Start();
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        var held = floor.HoldAsync(started, decided: true, TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromMilliseconds(189));
        Assert.False(held.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await held;
    }

    [Fact]
    public async Task AdaptiveFloor_NeverExceedsItsMaximum()
    {
        var floor = Floor(new LoginOptions { AdaptiveFloorPercentile = 0.95, MaxAdaptiveFloor = TimeSpan.FromSeconds(2) });
        for (var i = 0; i < 20; i++)
        {
            await FailAsync(floor, TimeSpan.FromSeconds(30), decided: true);
        }

        var started = floor.Start();
        var held = floor.HoldAsync(started, decided: true, TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(1));
        Assert.False(held.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await held;
        Assert.Equal(0, floor.Holding);
    }

    [Fact]
    public async Task AdaptiveFloor_WaitsForEnoughFailures_SoOneSlowStartDoesNotSetIt()
    {
        var floor = Floor(new LoginOptions { AdaptiveFloorPercentile = 0.95 });
        await FailAsync(floor, TimeSpan.FromSeconds(5), decided: true);

        var started = floor.Start();
        Assert.True(floor.HoldAsync(started, decided: true, TestContext.Current.CancellationToken).IsCompletedSuccessfully);
    }

    [Fact]
    public void Settings_ThatCannotBeAFloor_AreRefusedByName()
    {
        var result = new LoginOptionsValidator().Validate(null, new LoginOptions { FailureFloor = TimeSpan.FromSeconds(-1), AdaptiveFloorPercentile = 2 });

        Assert.True(result.Failed);
        Assert.Contains("LazyMigrate:Login:FailureFloor", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("LazyMigrate:Login:AdaptiveFloorPercentile", result.FailureMessage, StringComparison.Ordinal);
    }

    private LoginFailureFloor Floor(LoginOptions options) => new(Options.Create(options), _clock);

    /// <summary>One failure that took <paramref name="took"/> to decide, held as long as the floor says.</summary>
    private async Task FailAsync(LoginFailureFloor floor, TimeSpan took, bool decided)
    {
        var started = floor.Start();
        _clock.Advance(took);
        var hold = floor.HoldAsync(started, decided, TestContext.Current.CancellationToken);
        _clock.Advance(TimeSpan.FromSeconds(30));
        await hold;
    }
}
