using System.Net;
using System.Net.Http.Json;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Identities;

/// <summary>
/// A deleted user's address stays theirs on every path that creates a user or sends a link, and the deletion follows
/// every legacy identity the user had.
/// </summary>
public class TombstonedAddressTests(LegacyPoolsFixture fixture) : IClassFixture<LegacyPoolsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registration_RefusesADeletedUsersAddress()
    {
        var email = await MigrateAndDeleteAsync();

        using var browser = fixture.CreateBrowser();
        var page = await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "a password of my own",
            ["Input.ConfirmPassword"] = "a password of my own",
        });

        Assert.Contains("An account with this email already exists.", page.Html, StringComparison.Ordinal);
        Assert.Equal(0, await UsersWithAsync(email));
    }

    [Fact]
    public async Task ApiCreate_RefusesADeletedUsersAddress()
    {
        var email = await MigrateAndDeleteAsync();
        using var api = await fixture.ApiAsync();

        using var response = await api.PostAsJsonAsync("/api/v1/users", new { email, password = "a password of my own" }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(0, await UsersWithAsync(email));
    }

    [Fact]
    public async Task EmailChange_RefusesADeletedUsersAddress()
    {
        var email = await MigrateAndDeleteAsync();
        var other = await fixture.Server.Services.CreateUserAsync();
        using var api = await fixture.ApiAsync();

        using var response = await api.PatchAsJsonAsync($"/api/v1/users/{other.Id}", new { email }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(0, await UsersWithAsync(email));
    }

    [Fact]
    public async Task Reset_ForADeletedUsersAddress_SendsNothing()
    {
        var email = await MigrateAndDeleteAsync();
        var before = fixture.Log.Occurrences("Password reset requested for an address without an account");

        using var browser = fixture.CreateBrowser();
        await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = email });

        await Wait.ForAsync(() => Task.FromResult(fixture.Log.Occurrences("Password reset requested for an address without an account")), count => count > before);
        Assert.False(await MailTo.ExistsAsync(fixture.MailDirectory, email));
    }

    [Fact]
    public async Task Deletion_TombstonesEveryIdentity_SoNoPoolBringsTheUserBack()
    {
        var email = $"deleted-{Guid.NewGuid():N}@legacy.example";
        var first = await fixture.Legacy.AddUserAsync("first", email: email);
        var second = await fixture.Second.AddUserAsync("second", email: email);
        Assert.False((await fixture.LogInAsync(email, first.Password)).IsLogin);
        var normalized = email.ToUpperInvariant();
        await Wait.ForAsync(() => fixture.WithDatabaseAsync(db => db.UserIdentities.CountAsync(i => db.Users.Any(u => u.Id == i.UserId && u.NormalizedEmail == normalized), Ct)),
            count => count == 2);

        await DeleteAsync(email);

        Assert.True((await fixture.LogInAsync(email, second.Password)).IsLogin);
        Assert.True((await fixture.LogInAsync(email, first.Password)).IsLogin);
        Assert.Equal(0, await UsersWithAsync(email));
        Assert.Equal(["legacy", "second"], await fixture.WithDatabaseAsync(db => db.Tombstones
            .Where(t => t.NormalizedEmail == normalized).OrderBy(t => t.Connection).Select(t => t.Connection).ToListAsync(Ct)));
    }

    [Fact]
    public async Task ADeletedUserWhoseAddressChangedHere_IsNotBroughtBackByTheOldAddress()
    {
        var email = $"moved-{Guid.NewGuid():N}@legacy.example";
        var first = await fixture.Legacy.AddUserAsync("first", email: email);
        var second = await fixture.Second.AddUserAsync("second", email: email);
        Assert.False((await fixture.LogInAsync(email, first.Password)).IsLogin);
        var normalized = email.ToUpperInvariant();
        var id = await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync(Ct));
        // Whether or not the second pool is linked by now, the address both pools know must stay deleted.
        using var api = await fixture.ApiAsync();
        var moved = $"moved-here-{Guid.NewGuid():N}@tests.example";
        using (var patched = await api.PatchAsJsonAsync($"/api/v1/users/{id}", new { email = moved }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        await DeleteAsync(moved);

        Assert.True((await fixture.LogInAsync(email, second.Password)).IsLogin);
        Assert.True((await fixture.LogInAsync(email, first.Password)).IsLogin);
        Assert.Equal(0, await UsersWithAsync(email));
    }

    private async Task<string> MigrateAndDeleteAsync()
    {
        var legacy = await fixture.Legacy.AddUserAsync("migrated, then deleted");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        await DeleteAsync(legacy.Email);
        return legacy.Email;
    }

    private async Task DeleteAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        var id = await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => u.Id).SingleAsync(Ct));
        using var api = await fixture.ApiAsync();
        using var deleted = await api.DeleteAsync($"/api/v1/users/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    private Task<int> UsersWithAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalized, Ct));
    }

}

/// <summary>A legacy system that cannot answer is never "no such user": every creating path refuses, a reset waits.</summary>
public class LegacySystemDownPolicyTests(DeadLegacyApiFixture fixture) : IClassFixture<DeadLegacyApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registration_FailsClosed()
    {
        var email = $"new-{Guid.NewGuid():N}@tests.example";
        using var browser = fixture.CreateBrowser();

        var page = await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "a password of my own",
            ["Input.ConfirmPassword"] = "a password of my own",
        });

        Assert.Contains("We can&#x27;t create your account right now.", page.Html, StringComparison.Ordinal);
        Assert.Equal(0, await UsersWithAsync(email));
    }

    [Fact]
    public async Task ApiCreate_FailsClosed()
    {
        var email = $"new-{Guid.NewGuid():N}@tests.example";
        using var api = await fixture.ApiAsync();

        using var response = await api.PostAsJsonAsync("/api/v1/users", new { email, password = "a password of my own" }, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await UsersWithAsync(email));
    }

    [Fact]
    public async Task EmailChange_FailsClosed()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var email = $"new-{Guid.NewGuid():N}@tests.example";
        using var api = await fixture.ApiAsync();

        using var response = await api.PatchAsJsonAsync($"/api/v1/users/{user.Id}", new { email }, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, await UsersWithAsync(email));
        Assert.Equal(1, await UsersWithAsync(user.Email));
    }

    [Fact]
    public async Task Reset_IsRetriedLater_NeverTakenAsNoAccount()
    {
        var email = $"unknown-yet-{Guid.NewGuid():N}@legacy.example";
        var before = fixture.Log.Occurrences("A password reset request waits for a legacy system");
        var noAccount = fixture.Log.Occurrences("Password reset requested for an address without an account");

        using var browser = fixture.CreateBrowser();
        var answer = await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = email });

        Assert.Contains("If an account exists for that address", answer.Html, StringComparison.Ordinal);
        await Wait.ForAsync(() => Task.FromResult(fixture.Log.Occurrences("A password reset request waits for a legacy system")), count => count >= before + 2);
        Assert.Equal(noAccount, fixture.Log.Occurrences("Password reset requested for an address without an account"));
        Assert.False(await MailTo.ExistsAsync(fixture.MailDirectory, email));
    }

    private Task<int> UsersWithAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalized, Ct));
    }
}

/// <summary>A reset requested while the pool that knows the address is down is sent once it is back.</summary>
public class ResetRetryTests(LegacyPoolsFixture fixture) : IClassFixture<LegacyPoolsFixture>
{
    [Fact]
    public async Task AResetDuringAnOutage_IsSentWhenTheLegacySystemAnswersAgain()
    {
        var legacy = await fixture.Second.AddUserAsync("forgotten during an outage");
        var before = fixture.Log.Occurrences("A password reset request waits for a legacy system");
        await fixture.Second.ExecuteAsync("ALTER TABLE users RENAME TO users_away");
        try
        {
            using var browser = fixture.CreateBrowser();
            await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = legacy.Email });
            await Wait.ForAsync(() => Task.FromResult(fixture.Log.Occurrences("A password reset request waits for a legacy system")), count => count > before);
            Assert.False(await MailTo.ExistsAsync(fixture.MailDirectory, legacy.Email));
        }
        finally
        {
            await fixture.Second.ExecuteAsync("ALTER TABLE users_away RENAME TO users");
        }

        Assert.True(await Wait.ForAsync(() => MailTo.ExistsAsync(fixture.MailDirectory, legacy.Email), sent => sent));
    }
}
