using LazyMigrate.Server.BulkImport;
using Microsoft.Extensions.Time.Testing;

namespace LazyMigrate.Server.Tests.BulkImport;

/// <summary>The import's pace on a clock the test moves: pages a rate apart, and no burst after a stall.</summary>
public sealed class ImportPaceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task EachPage_IsDueItsPredecessorsRowsAtTheRate_AfterThatPageWasAskedFor()
    {
        var pace = new ImportPace(100, _clock);
        await pace.WaitAsync(Ct);
        pace.Asked(50);

        var second = pace.WaitAsync(Ct);
        _clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(second.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await second;
        pace.Asked(20);

        var third = pace.WaitAsync(Ct);
        _clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.False(third.IsCompleted);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await third;
    }

    [Fact]
    public async Task AfterAStall_TheNextPagesAreStillARateApart_NotABurstThatCatchesUp()
    {
        var pace = new ImportPace(100, _clock);
        await pace.WaitAsync(Ct);
        pace.Asked(50);
        // The first page's write (or the legacy system) took ten times its share.
        _clock.Advance(TimeSpan.FromSeconds(5));

        var late = pace.WaitAsync(Ct);
        Assert.True(late.IsCompletedSuccessfully);
        await late;
        pace.Asked(50);

        var next = pace.WaitAsync(Ct);
        _clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(next.IsCompleted, "a page was asked for early to make up for the stall");
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await next;
    }
}
