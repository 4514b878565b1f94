using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Account;

public class RegistrationTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    private const string Exists = "<li>An account with this email already exists.</li>";

    [Fact]
    public async Task Register_WithAnAddressTheLegacySystemKnows_InAnyCase_IsRefused_AndOffersSignIn()
    {
        var legacy = await fixture.Legacy.AddUserAsync("the legacy password");

        var page = await RegisterAsync("  " + legacy.Email.ToUpperInvariant() + " ", "a brand new password");

        Assert.Equal("/Account/Register", page.Url.AbsolutePath);
        Assert.Contains(Exists, page.Html, StringComparison.Ordinal);
        Assert.Contains("href=\"/Account/Login", page.Html, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(legacy.Email));
    }

    [Fact]
    public async Task Register_WithAUnicodeVariantOfALegacyAddress_IsRefused()
    {
        // Stored composed (é as one code point); typed decomposed (e + combining acute) and in capitals.
        var legacy = await fixture.Legacy.AddUserAsync("accented", email: $"jos\u00e9-{Guid.NewGuid():N}@legacy.example");
        var variant = legacy.Email.Normalize(System.Text.NormalizationForm.FormD).ToUpperInvariant();
        Assert.NotEqual(legacy.Email, variant);

        var page = await RegisterAsync(variant, "a brand new password");

        Assert.Contains(Exists, page.Html, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(legacy.Email));
    }

    [Fact]
    public async Task Register_WithAnAddressInOurStore_IsRefused()
    {
        var local = await fixture.Server.Services.CreateUserAsync();

        var page = await RegisterAsync(local.Email, "another new password");

        Assert.Contains(Exists, page.Html, StringComparison.Ordinal);
        Assert.Equal(1, await CountAsync(local.Email));
    }

    [Fact]
    public async Task Register_WithANewAddress_CreatesTheUser_WhoCanThenSignIn()
    {
        var email = $"newcomer-{Guid.NewGuid():N}@tests.example";

        var page = await RegisterAsync(email, "my own new password");

        Assert.NotEqual("/Account/Register", page.Url.AbsolutePath);
        Assert.Equal(1, await CountAsync(email));
        using var browser = fixture.CreateBrowser();
        var signedIn = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), email, "my own new password");
        Assert.False(signedIn.IsLogin, signedIn.Html);
    }

    [Fact]
    public async Task Register_WithANonAsciiAddress_CreatesTheUser_AsMigrationWould()
    {
        var email = $"j\u00f6rg-{Guid.NewGuid():N}@b\u00fccher.example";

        var page = await RegisterAsync(email, "my own new password");

        Assert.NotEqual("/Account/Register", page.Url.AbsolutePath);
        Assert.Equal(1, await CountAsync(email));
    }

    private async Task<Page> RegisterAsync(string email, string password)
    {
        using var browser = fixture.CreateBrowser();
        var form = await browser.NavigateAsync("/Account/Register");
        return await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });
    }

    private async Task<int> CountAsync(string email)
    {
        var normalised = email.ToUpperInvariant();
        return await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalised, TestContext.Current.CancellationToken));
    }
}
