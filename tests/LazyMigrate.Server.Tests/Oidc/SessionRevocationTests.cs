using System.Net;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>A live session of a user who was blocked or deleted gets no more authorization codes.</summary>
public sealed class SessionRevocationTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    [Fact]
    public async Task BlockedThroughTheApi_WithALiveSession_GetsNoCode()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        await browser.SignInAsync(TestClients.Web, user);
        using var api = await fixture.ApiAsync("update:users");

        using var blocked = await api.PatchJsonAsync($"/api/v1/users/{user.Id}", new { blocked = true });
        Assert.Equal(HttpStatusCode.OK, blocked.StatusCode);
        var page = await browser.NavigateAsync(new AuthorizationRequest(TestClients.Web).ToUrl());

        // The session ended with the security stamp: back to the login page, which refuses a blocked user.
        Assert.Null(page.ExternalRedirect);
        Assert.True(page.IsLogin);
    }

    [Fact]
    public async Task LockedOutWithoutAStampChange_WithALiveSession_IsAccessDenied()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        await browser.SignInAsync(TestClients.Web, user);
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var entity = await users.FindByIdAsync(user.Id.ToString());
            await users.SetLockoutEndDateAsync(entity!, DateTimeOffset.MaxValue);
        }

        var page = await browser.NavigateAsync(new AuthorizationRequest(TestClients.Web).ToUrl());

        Assert.Equal("access_denied", page.AuthorizationError);
        Assert.Null(new Callback(page.ExternalRedirect!).Code);
    }

    [Fact]
    public async Task Deleted_WithALiveSession_GetsNoCode()
    {
        var user = await fixture.Services.CreateUserAsync();
        using var browser = fixture.CreateBrowser();
        await browser.SignInAsync(TestClients.Web, user);
        using var api = await fixture.ApiAsync("delete:users");

        using var deleted = await api.DeleteAsync($"/api/v1/users/{user.Id}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var page = await browser.NavigateAsync(new AuthorizationRequest(TestClients.Web).ToUrl());

        Assert.Null(page.ExternalRedirect);
        Assert.True(page.IsLogin);
    }
}
