using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Login;

/// <summary>Only the per-address limit of wrong codes can trip: the per-user one is set out of reach.</summary>
public sealed class CodeAddressLimitFixture : LegacyServerFixture
{
    public const int Allowed = 3;

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        settings["LazyMigrate:Mfa:CodeFailuresPerAddress"] = Allowed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["LazyMigrate:Mfa:CodeFailuresPerUser"] = "1000";
    }
}

/// <summary>Only the per-user limit of wrong codes can trip: the per-address one is set out of reach.</summary>
public sealed class CodeUserLimitFixture : LegacyServerFixture
{
    public const int Allowed = 3;

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        settings["LazyMigrate:Mfa:CodeFailuresPerUser"] = Allowed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["LazyMigrate:Mfa:CodeFailuresPerAddress"] = "1000";
    }
}

/// <summary>Code guessing is slowed per address (many users' codes from one place) and per user (one user's code from many places).</summary>
public sealed class CodeAddressThrottlingTests(CodeAddressLimitFixture fixture) : IClassFixture<CodeAddressLimitFixture>
{
    [Fact]
    public async Task WrongCodes_FromOneAddress_AgainstManyUsers_ThrottleThatAddress_NotTheUsersElsewhere()
    {
        const string attacker = "203.0.113.41";
        for (var i = 0; i < CodeAddressLimitFixture.Allowed; i++)
        {
            // A different user each time, one wrong code each: no user's own count comes near anything.
            var victim = await fixture.Server.Services.CreateUserAsync();
            var app = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, victim);
            var (browser, page) = await CodePageAsync(fixture, attacker, victim);
            using (browser)
            {
                page = await browser.SubmitAsync(page, Code(SecondFactorCodes.Wrong(app)));
                Assert.Contains("That code didn't work", page.Alert, StringComparison.Ordinal);
            }
        }

        // The next user's right code from that address waits...
        var next = await fixture.Server.Services.CreateUserAsync();
        var nextApp = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, next);
        var (there, codePage) = await CodePageAsync(fixture, attacker, next);
        using (there)
        {
            var refused = await there.SubmitAsync(codePage, Code(await nextApp.NextCodeAsync()));
            Assert.Contains("Too many attempts", refused.Alert, StringComparison.Ordinal);
        }

        // ...while the same user from another address signs in.
        var (elsewhere, ownPage) = await CodePageAsync(fixture, "198.51.100.41", next);
        using (elsewhere)
        {
            var done = await elsewhere.SubmitAsync(ownPage, Code(await nextApp.NextCodeAsync()));
            Assert.Equal("/", done.Url.AbsolutePath);
        }
    }

    internal static Dictionary<string, string> Code(string code) => new() { ["Input.Code"] = code };

    /// <summary>A fresh browser at <paramref name="address"/> that has passed the password step and shows the code page.</summary>
    internal static async Task<(Browser Browser, Page Page)> CodePageAsync(LegacyServerFixture fixture, string address, TestUser user)
    {
        var browser = fixture.CreateBrowser().From(address);
        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);
        return (browser, page);
    }
}

public sealed class CodeUserThrottlingTests(CodeUserLimitFixture fixture) : IClassFixture<CodeUserLimitFixture>
{
    [Fact]
    public async Task WrongCodes_ForOneUser_FromManyAddresses_ThrottleThatUser_NotOthersAtThoseAddresses()
    {
        var victim = await fixture.Server.Services.CreateUserAsync();
        var app = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, victim);
        for (var i = 0; i < CodeUserLimitFixture.Allowed; i++)
        {
            // A new address for each guess: no address's own count comes near anything.
            var (browser, page) = await CodeAddressThrottlingTests.CodePageAsync(fixture, $"203.0.113.{60 + i}", victim);
            using (browser)
            {
                page = await browser.SubmitAsync(page, CodeAddressThrottlingTests.Code(SecondFactorCodes.Wrong(app)));
                Assert.Contains("That code didn't work", page.Alert, StringComparison.Ordinal);
            }
        }

        // The right code, from yet another address, waits: the user's count is what tripped.
        var (fresh, codePage) = await CodeAddressThrottlingTests.CodePageAsync(fixture, "198.51.100.61", victim);
        using (fresh)
        {
            var refused = await fresh.SubmitAsync(codePage, CodeAddressThrottlingTests.Code(await app.NextCodeAsync()));
            Assert.Contains("Too many attempts", refused.Alert, StringComparison.Ordinal);
        }

        // Another user at one of the attacker's addresses is not slowed.
        var other = await fixture.Server.Services.CreateUserAsync();
        var otherApp = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, other);
        var (browser2, page2) = await CodeAddressThrottlingTests.CodePageAsync(fixture, "203.0.113.60", other);
        using (browser2)
        {
            var done = await browser2.SubmitAsync(page2, CodeAddressThrottlingTests.Code(await otherApp.NextCodeAsync()));
            Assert.Equal("/", done.Url.AbsolutePath);
        }
    }
}

internal static class SecondFactorCodes
{
    /// <summary>A six-digit code that no step the server accepts now would take; the app's next code is left unused.</summary>
    public static string Wrong(AuthenticatorApp app)
    {
        var step = AuthenticatorApp.CurrentStep;
        var accepted = new[] { app.Code(step - 1), app.Code(step), app.Code(step + 1), app.Code(step + 2) };
        return new[] { "000000", "111111", "222222", "333333", "444444" }.First(code => !accepted.Contains(code));
    }
}
