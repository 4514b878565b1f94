using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Account;

/// <summary>Users who arrived in bulk with a legacy hash, or with none: their first sign-in, wrong passwords, reset, and what the API shows.</summary>
public sealed partial class LegacyCredentialTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    [Fact]
    public async Task ABulkImportedUser_SignsInWithTheOriginalPassword_AndTheLegacyHashIsReplacedByANativeOne()
    {
        var users = await ImportAsync(SampleHash.Md5, SampleHash.Sha256);
        using var api = await fixture.ApiAsync();
        foreach (var (user, format) in users.Zip(new[] { "md5", "sha256" }))
        {
            var id = await UserIdAsync(user.Email);
            var before = await api.GetStringAsync($"/api/v1/users/{id}", TestContext.Current.CancellationToken);
            Assert.Equal(("legacy", format), Credential(before));
            Assert.DoesNotContain("legacy:", before, StringComparison.Ordinal);

            var page = await fixture.LogInAsync(user.Email, user.Password);

            Assert.False(page.IsLogin, page.Alert);
            var hash = await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Id == id).Select(u => u.PasswordHash).SingleAsync(TestContext.Current.CancellationToken));
            Assert.DoesNotContain("legacy", hash!, StringComparison.Ordinal);
            // Identity's own V3 format (a 0x01 marker byte, base64).
            Assert.StartsWith("AQAAAA", hash, StringComparison.Ordinal);
            Assert.Equal(("native", null), Credential(await api.GetStringAsync($"/api/v1/users/{id}", TestContext.Current.CancellationToken)));
            Assert.False((await fixture.LogInAsync(user.Email, user.Password)).IsLogin);
            Assert.True((await fixture.LogInAsync(user.Email, user.Password + "!")).IsLogin);
        }
    }

    [Fact]
    public async Task AWrongPasswordForALegacyHash_GetsTheAnswerOfAWrongNativePassword()
    {
        var legacy = (await ImportAsync(SampleHash.Md5))[0];
        var native = await fixture.Services.CreateUserAsync();

        var legacyAnswer = await fixture.LogInAsync(legacy.Email, "not the password");
        var nativeAnswer = await fixture.LogInAsync(native.Email, "not the password");

        Assert.True(legacyAnswer.IsLogin);
        Assert.NotNull(nativeAnswer.Alert);
        Assert.Equal(Alert(nativeAnswer), Alert(legacyAnswer));
        var hash = await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Email == legacy.Email).Select(u => u.PasswordHash).SingleAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("legacy:", hash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AResetRequiredUser_IsRefusedLikeAWrongPassword_AndTheResetFlowLetsThemChooseOne()
    {
        var user = (await ImportAsync(SampleHash.None))[0];
        var native = await fixture.Services.CreateUserAsync();
        using var api = await fixture.ApiAsync();
        var id = await UserIdAsync(user.Email);
        Assert.Equal(("none", null), Credential(await api.GetStringAsync($"/api/v1/users/{id}", TestContext.Current.CancellationToken)));

        var refused = await fixture.LogInAsync(user.Email, "any password at all");
        Assert.True(refused.IsLogin);
        Assert.Equal(Alert(await fixture.LogInAsync(native.Email, "any password at all")), Alert(refused));

        using (var browser = fixture.CreateBrowser())
        {
            await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = user.Email });
        }

        var body = await Wait.ForAsync(() => MailTo.BodyAsync(fixture.MailDirectory, user.Email), b => b is not null);
        var link = new Uri(ResetLink().Match(body!).Value);
        using (var browser = fixture.CreateBrowser())
        {
            var done = await browser.SubmitAsync(await browser.NavigateAsync(link.PathAndQuery), new Dictionary<string, string>
            {
                ["Password"] = "a chosen passphrase",
                ["ConfirmPassword"] = "a chosen passphrase",
            });
            Assert.Contains("Your password has been changed.", done.Html, StringComparison.Ordinal);
        }

        Assert.False((await fixture.LogInAsync(user.Email, "a chosen passphrase")).IsLogin);
        Assert.Equal(("native", null), Credential(await api.GetStringAsync($"/api/v1/users/{id}", TestContext.Current.CancellationToken)));
    }

    private async Task<IReadOnlyList<SampleUser>> ImportAsync(params SampleHash[] hashes)
    {
        var users = SampleUserFiles.Users(hashes.Length, Guid.NewGuid().ToString("N")[..10], hashes);
        using var api = await fixture.ApiAsync();
        var job = await api.WaitForEndAsync(await api.StartImportAsync(SampleUserFiles.JsonLines(users)));
        Assert.Equal(hashes.Length, job.Count("created"));
        return users;
    }

    private Task<Guid> UserIdAsync(string email) =>
        fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken));

    private static (string? Kind, string? Format) Credential(string json)
    {
        var credential = JsonDocument.Parse(json).RootElement.GetProperty("credential");
        return (credential.GetProperty("kind").GetString(), credential.TryGetProperty("format", out var format) ? format.GetString() : null);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"http://localhost/Account/ResetPassword\?\S+")]
    private static partial System.Text.RegularExpressions.Regex ResetLink();

    /// <summary>The alert's words without the status and path.</summary>
    private static string? Alert(Page page) => page.Alert is { } alert ? alert[alert.IndexOf(':', StringComparison.Ordinal)..] : null;
}
