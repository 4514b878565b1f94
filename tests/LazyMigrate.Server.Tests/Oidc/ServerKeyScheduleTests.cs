using LazyMigrate.Server.Oidc;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>The key schedule's decisions, at chosen moments: when the next key is written, which key signs, which go.</summary>
public class ServerKeyScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly ServerKeyRotationOptions Options = new() { RotateEvery = TimeSpan.FromDays(30), PublishAhead = TimeSpan.FromDays(2), RefreshEvery = TimeSpan.FromMinutes(5) };
    private static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    [Fact]
    public void TheNextKey_IsWrittenPublishAheadBeforeItSigns_AndNotEarlier()
    {
        var first = new ServerKeySchedule.Key(Guid.NewGuid(), Start);

        var early = ServerKeySchedule.Decide([first], Start + TimeSpan.FromDays(28) - TimeSpan.FromSeconds(1), Options, Retention);
        var due = ServerKeySchedule.Decide([first], Start + TimeSpan.FromDays(28), Options, Retention);

        Assert.Null(early.CreateActivatingAt);
        Assert.Equal(Start + TimeSpan.FromDays(30), due.CreateActivatingAt);
    }

    [Fact]
    public void AWaitingKey_IsPublishedButDoesNotSign_UntilItsTime()
    {
        var first = new ServerKeySchedule.Key(Guid.NewGuid(), Start);
        var next = new ServerKeySchedule.Key(Guid.NewGuid(), Start + TimeSpan.FromDays(30));
        var beforeSwitch = Start + TimeSpan.FromDays(29);

        Assert.Equal(first, ServerKeySchedule.Active([first, next], beforeSwitch));
        Assert.Equal(next, ServerKeySchedule.Active([first, next], next.ActivatesAt));
        Assert.Equal(next.ActivatesAt, ServerKeySchedule.NextActivation([first, next], beforeSwitch));
        // One key waiting is enough: no third key while the second has not started.
        Assert.Null(ServerKeySchedule.Decide([first, next], beforeSwitch, Options, Retention).CreateActivatingAt);
    }

    [Fact]
    public void AScheduleThatFellBehind_NeverSignsWithAKeyClientsHaveNotHadTimeToSee()
    {
        var stale = new ServerKeySchedule.Key(Guid.NewGuid(), Start);
        var now = Start + TimeSpan.FromDays(90);

        var plan = ServerKeySchedule.Decide([stale], now, Options, Retention);

        Assert.Equal(now + Options.PublishAhead, plan.CreateActivatingAt);
    }

    [Fact]
    public void ARetiredKey_StaysUntilEveryTokenItMadeHasExpired_ThenGoes()
    {
        var first = new ServerKeySchedule.Key(Guid.NewGuid(), Start);
        var second = new ServerKeySchedule.Key(Guid.NewGuid(), Start + TimeSpan.FromDays(30));

        var stillNeeded = ServerKeySchedule.Decide([first, second], second.ActivatesAt + Retention - TimeSpan.FromSeconds(1), Options, Retention);
        var expired = ServerKeySchedule.Decide([first, second], second.ActivatesAt + Retention, Options, Retention);
        var foreverTokens = ServerKeySchedule.Decide([first, second], second.ActivatesAt + TimeSpan.FromDays(365), Options, retention: null);

        Assert.Empty(stillNeeded.Drop);
        Assert.Equal([first.Id], expired.Drop);
        Assert.Empty(foreverTokens.Drop);
    }

    [Fact]
    public void Options_RefreshingTooRarelyForTheLeadTime_AreRefusedNamingTheSetting()
    {
        var result = new ServerKeyRotationOptionsValidator().Validate(null, new ServerKeyRotationOptions { PublishAhead = TimeSpan.FromMinutes(10), RefreshEvery = TimeSpan.FromMinutes(6) });

        Assert.True(result.Failed);
        Assert.Contains("LazyMigrate:Keys:RefreshEvery", result.FailureMessage, StringComparison.Ordinal);
    }
}
