using LazyMigrate.Server.Mfa;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace LazyMigrate.Server.Tests.LazyMigration;

/// <summary>
/// The authenticator comes over whatever style the login script is written in, from a real legacy PostgreSQL
/// database: the first sign-in asks for the code the legacy secret produces; a malformed secret imports nothing.
/// </summary>
public abstract class MfaCarryOverScriptStyleTests<TFixture>(TFixture fixture) where TFixture : LegacyMfaFixture
{
    [Fact]
    public async Task FirstSignIn_SecretFromTheScript_AsksForItsCode_ThenSignsIn()
    {
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)).TrimEnd('=');
        var legacy = await fixture.AddUserWithAuthenticatorAsync($"legacy-pass-{Guid.NewGuid():N}", secret);
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
        Assert.DoesNotContain(secret, fixture.Log.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FirstSignIn_MalformedSecret_IsAClearScriptError_AndNothingIsImported()
    {
        const string secret = "not-base32-at-all!";
        var legacy = await fixture.AddUserWithAuthenticatorAsync($"legacy-pass-{Guid.NewGuid():N}", secret);

        var page = await fixture.LogInAsync(legacy.Email, legacy.Password);

        Assert.True(page.IsLogin);
        Assert.Contains("We can't sign you in right now", page.Alert, StringComparison.Ordinal);
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.Email == legacy.Email)));
        Assert.Contains("TOTP secret is not a base32 key", fixture.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, fixture.Log.Text, StringComparison.Ordinal);
    }
}

public sealed class Auth0StyleMfaCarryOverTests(Auth0StyleMfaFixture fixture)
    : MfaCarryOverScriptStyleTests<Auth0StyleMfaFixture>(fixture), IClassFixture<Auth0StyleMfaFixture>;

public sealed class AuthingStyleMfaCarryOverTests(AuthingStyleMfaFixture fixture)
    : MfaCarryOverScriptStyleTests<AuthingStyleMfaFixture>(fixture), IClassFixture<AuthingStyleMfaFixture>;
