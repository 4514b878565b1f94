using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Mfa;

/// <summary>
/// Passkeys as factors, without a browser's authenticator: stored through the server's own user store, listed and
/// removed by the management API, and removed or an authenticator turned off on the security page only after the
/// password again. (The ceremonies themselves run in Chromium: the E2E project's PasskeyTests.)
/// </summary>
public class PasskeyFactorTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    private const string WrongPassword = "That password isn't right";

    [Fact]
    public async Task UserStore_KeepsPasskeys_ThroughTheProtectedStore()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var credentialId = await AddPasskeyAsync(user, "Security key");

        await using var scope = fixture.Server.Services.CreateAsyncScope();
        Assert.IsType<ProtectedUserStore>(scope.ServiceProvider.GetRequiredService<IUserStore<User>>());
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        Assert.True(users.SupportsUserPasskey);
        var found = await users.FindByPasskeyIdAsync(credentialId);
        Assert.Equal(user.Id, found?.Id);
        Assert.Equal("Security key", (await users.GetPasskeyAsync(found!, credentialId))?.Name);
    }

    [Fact]
    public async Task Api_ListsAPasskeyAsAFactor_WithoutItsCredential_AndRemovesIt_Audited()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var credentialId = await AddPasskeyAsync(user, "Phone");
        using var api = await fixture.ApiAsync();

        var listed = await api.GetStringAsync($"/api/v1/users/{user.Id}/mfa", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(listed).RootElement;
        Assert.True(body.GetProperty("twoFactorEnabled").GetBoolean());
        var factor = body.GetProperty("factors").EnumerateArray().Single();
        Assert.Equal("passkey", factor.GetProperty("kind").GetString());
        Assert.Equal("Phone", factor.GetProperty("name").GetString());
        Assert.Equal(Passkeys.PublicId(credentialId), factor.GetProperty("id").GetString());
        foreach (var form in Encodings(credentialId).Concat(Encodings(PublicKeyOf(credentialId))))
        {
            Assert.DoesNotContain(form, listed, StringComparison.Ordinal);
        }

        using (var removed = await api.DeleteAsync($"/api/v1/users/{user.Id}/mfa/{factor.GetProperty("id").GetString()}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        var after = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/users/{user.Id}/mfa", TestContext.Current.CancellationToken)).RootElement;
        Assert.Empty(after.GetProperty("factors").EnumerateArray());
        Assert.False(after.GetProperty("twoFactorEnabled").GetBoolean());
        Assert.True(await fixture.WithDatabaseAsync(db => db.AuditEvents.AnyAsync(e =>
            e.UserId == user.Id && e.Type == AuditEventType.MfaRemoved && e.Reason == "Passkey" && e.Actor != null)));

        using var again = await api.DeleteAsync($"/api/v1/users/{user.Id}/mfa/{factor.GetProperty("id").GetString()}", TestContext.Current.CancellationToken);
        await again.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SecurityPage_TurningTheAuthenticatorOff_AsksForThePasswordAgain()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var app = await AuthenticatorApp.EnrolAsync(fixture.Server.Services, user);
        using var browser = fixture.CreateBrowser();
        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync() });
        Assert.Equal("/", page.Url.AbsolutePath);
        page = await browser.NavigateAsync("/Account/Security");

        var without = await browser.SubmitAsync(page, handler: "Disable");
        Assert.Contains(WrongPassword, without.Alert, StringComparison.Ordinal);
        var wrong = await browser.SubmitAsync(without, new Dictionary<string, string> { ["CurrentPassword"] = user.Password + "x" }, handler: "Disable");
        Assert.Contains(WrongPassword, wrong.Alert, StringComparison.Ordinal);
        Assert.True(await TwoFactorEnabledAsync(user.Id));

        var right = await browser.SubmitAsync(wrong, new Dictionary<string, string> { ["CurrentPassword"] = user.Password }, handler: "Disable");
        Assert.Null(right.Alert);
        Assert.False(await TwoFactorEnabledAsync(user.Id));
        Assert.Contains("Set up an authenticator app", right.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecurityPage_RemovingAPasskey_AsksForThePasswordAgain()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        Assert.Equal("/", (await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password)).Url.AbsolutePath);
        await AddPasskeyAsync(user, "Old phone");
        var page = await browser.NavigateAsync("/Account/Security");
        Assert.Contains("Old phone", page.Html, StringComparison.Ordinal);

        var wrong = await browser.SubmitAsync(page, new Dictionary<string, string> { ["CurrentPassword"] = "not the password" }, handler: "RemovePasskey");
        Assert.Contains(WrongPassword, wrong.Alert, StringComparison.Ordinal);
        Assert.Equal(1, await PasskeyCountAsync(user.Id));

        var right = await browser.SubmitAsync(wrong, new Dictionary<string, string> { ["CurrentPassword"] = user.Password }, handler: "RemovePasskey");
        Assert.Null(right.Alert);
        Assert.Equal(0, await PasskeyCountAsync(user.Id));
        Assert.DoesNotContain("Old phone", right.Html, StringComparison.Ordinal);
        Assert.False(await TwoFactorEnabledAsync(user.Id));
        Assert.True(await fixture.WithDatabaseAsync(db => db.AuditEvents.AnyAsync(e =>
            e.UserId == user.Id && e.Type == AuditEventType.MfaRemoved && e.Reason == "Passkey" && e.Actor == null)));
    }

    /// <summary>A passkey row as registration leaves it (Identity's store, two-factor on); its key is random bytes, never verified here.</summary>
    private async Task<byte[]> AddPasskeyAsync(TestUser user, string name)
    {
        var credentialId = RandomNumberGenerator.GetBytes(32);
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var row = await users.FindByIdAsync(user.Id.ToString()) ?? throw new InvalidOperationException("No such user.");
        var passkey = new UserPasskeyInfo(credentialId, PublicKeyOf(credentialId), DateTimeOffset.UtcNow, 0, ["internal"],
            isUserVerified: true, isBackupEligible: false, isBackedUp: false, attestationObject: [0xa0], clientDataJson: "{}"u8.ToArray())
        {
            Name = name,
        };
        Assert.True((await users.AddOrUpdatePasskeyAsync(row, passkey)).Succeeded);
        await users.SetTwoFactorEnabledAsync(row, true);
        return credentialId;
    }

    private static byte[] PublicKeyOf(byte[] credentialId) => SHA512.HashData(credentialId);

    private static IEnumerable<string> Encodings(byte[] bytes)
    {
        var base64 = Convert.ToBase64String(bytes);
        yield return base64.TrimEnd('=');
        yield return base64.TrimEnd('=').Replace('+', '-').Replace('/', '_');
        yield return Convert.ToHexString(bytes);
        yield return Convert.ToHexStringLower(bytes);
    }

    private Task<bool> TwoFactorEnabledAsync(Guid userId) =>
        fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Id == userId).Select(u => u.TwoFactorEnabled).SingleAsync());

    private Task<int> PasskeyCountAsync(Guid userId) =>
        fixture.WithDatabaseAsync(db => db.Set<UserPasskey>().CountAsync(p => p.UserId == userId));
}
