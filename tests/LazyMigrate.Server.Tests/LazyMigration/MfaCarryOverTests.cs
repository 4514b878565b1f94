using LazyMigrate.Server.Mfa;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace LazyMigrate.Server.Tests.LazyMigration;

/// <summary>A legacy user's authenticator comes over with them at the first sign-in: no re-enrolment, no reset.</summary>
public class MfaCarryOverTests(LegacyMfaFixture fixture) : IClassFixture<LegacyMfaFixture>
{
    [Theory]
    [InlineData("ours")]
    [InlineData("auth0")]
    public async Task FirstSignIn_LegacyTotpSecret_AsksForItsCode_ThenTheUserHasTheFactor(string shape)
    {
        // Unpadded base32 with spaces and lower case, as legacy systems and apps show keys.
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)).TrimEnd('=');
        var legacy = await fixture.AddUserWithAuthenticatorAsync($"legacy-pass-{Guid.NewGuid():N}", secret.ToLowerInvariant(), shape);
        var app = new AuthenticatorApp(secret);
        using var browser = fixture.CreateBrowser();

        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), legacy.Email, legacy.Password);
        Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);
        page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync() });
        Assert.Equal("/", page.Url.AbsolutePath);

        var user = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == legacy.Email));
        Assert.True(user.TwoFactorEnabled);
        var factors = await fixture.WithDatabaseAsync(db => db.MfaFactors.AsNoTracking().Where(f => f.UserId == user.Id).ToListAsync());
        Assert.Equal([MfaFactorKind.Authenticator, MfaFactorKind.Phone], factors.Select(f => f.Kind).Order());
        Assert.All(factors, f => Assert.Equal("lazy:legacy", f.Origin));
        Assert.NotNull(factors.Single(f => f.Kind == MfaFactorKind.Authenticator).LastUsedAt);
        // No reset was needed, and the secret is stored nowhere in clear: not as the key, not in the identity's profile.
        Assert.False(await fixture.WithDatabaseAsync(db => db.PendingResets.AnyAsync(r => r.Email == legacy.Email)));
        var stored = await fixture.WithDatabaseAsync(async db =>
            string.Join("\n", await db.Set<IdentityUserToken<Guid>>().Where(t => t.UserId == user.Id).Select(t => t.Value).ToListAsync())
            + string.Join("\n", await db.UserIdentities.Where(i => i.UserId == user.Id).Select(i => i.Profile).ToListAsync())
            + string.Join("\n", factors.Select(f => f.ProtectedValue)));
        Assert.DoesNotContain(secret, stored, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("+12025550199", stored, StringComparison.Ordinal);

        // The next sign-in asks again (the factor is the user's now), and the code already used is refused.
        using var again = fixture.CreateBrowser();
        page = await again.LogInAsync(await again.NavigateAsync("/Account/Login"), legacy.Email, legacy.Password);
        page = await again.SubmitAsync(page, new Dictionary<string, string> { ["Input.Code"] = app.LastCode });
        Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);
        Assert.DoesNotContain(secret, fixture.Log.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("not base32 at all!")]
    [InlineData("JBSWY3DP")] // 5 bytes: too short to be a real key
    public async Task FirstSignIn_MalformedSecret_IsAScriptError_AndNothingIsImported(string secret)
    {
        var legacy = await fixture.AddUserWithAuthenticatorAsync($"legacy-pass-{Guid.NewGuid():N}", secret);

        var page = await fixture.LogInAsync(legacy.Email, legacy.Password);

        Assert.True(page.IsLogin);
        Assert.Contains("We can't sign you in right now", page.Alert, StringComparison.Ordinal);
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.Email == legacy.Email)));
        Assert.Contains("TOTP secret is not a base32 key", fixture.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, fixture.Log.Text, StringComparison.Ordinal);
    }
}
