using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Login;

/// <summary>The floor in the real sign-in pipeline: failures wait for it, whichever path failed; successes do not.</summary>
public sealed class HeldFailureTests(HeldFailuresFixture fixture) : IClassFixture<HeldFailuresFixture>
{
    [Fact]
    public async Task FailedSignIn_OfAnUnknownAddress_IsAnsweredOnlyOnceTheFloorHasPassed()
    {
        await AssertHeldAsync($"nobody-{Guid.NewGuid():N}@tests.example", "whatever it might be");
    }

    [Fact]
    public async Task FailedSignIn_WithAWrongPassword_IsAnsweredOnlyOnceTheFloorHasPassed()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        await AssertHeldAsync(user.Email, "not the password at all");
    }

    [Fact]
    public async Task SuccessfulSignIn_IsNotHeld()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        var form = await browser.NavigateAsync("/Account/Login");

        // The floor's clock never moves here: a held answer would never come.
        var page = await browser.LogInAsync(form, user.Email, user.Password);

        Assert.False(page.IsLogin);
        Assert.Equal(0, fixture.FailureFloor.Holding);
    }

    private async Task AssertHeldAsync(string identifier, string password)
    {
        using var browser = fixture.CreateBrowser();
        var form = await browser.NavigateAsync("/Account/Login");
        var answer = browser.LogInAsync(form, identifier, password);

        await Wait.ForAsync(() => Task.FromResult(fixture.FailureFloor.Holding), holding => holding == 1);
        fixture.Clock.Advance(HeldFailuresFixture.Floor - TimeSpan.FromMilliseconds(1));
        Assert.False(answer.IsCompleted);
        Assert.Equal(1, fixture.FailureFloor.Holding);

        fixture.Clock.Advance(TimeSpan.FromMilliseconds(1));
        var page = await answer;
        Assert.True(page.IsLogin);
        Assert.EndsWith("Incorrect email, username or password.", page.Alert, StringComparison.Ordinal);
    }
}
