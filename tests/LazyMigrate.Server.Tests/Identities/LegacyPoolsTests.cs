using System.Net;
using System.Net.Http.Json;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Identities;

/// <summary>A person known to two legacy pools signs in with either product's password and becomes one user.</summary>
public class LegacyPoolsTests(LegacyPoolsFixture fixture) : IClassFixture<LegacyPoolsFixture>
{
    private const string InvalidCredentials = "Incorrect email, username or password.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("legacy")]
    [InlineData("second")]
    public async Task APersonInTwoPools_SignsInWithEitherPassword_ThenOnlyWithTheNativeOne(string signsInAt)
    {
        var email = $"two-pools-{Guid.NewGuid():N}@legacy.example";
        var first = await fixture.Legacy.AddUserAsync("the first product's password", email: email);
        var second = await fixture.Second.AddUserAsync("the second product's password", email: email);
        var (used, other) = signsInAt == "legacy" ? (first, second) : (second, first);

        Assert.False((await fixture.LogInAsync(email, used.Password)).IsLogin);

        var identities = await Wait.ForAsync(() => IdentitiesAsync(email), found => found.Count == 2);
        Assert.Equal(
            [(signsInAt, used.Id, IdentityOrigin.Imported), (other == first ? "legacy" : "second", other.Id, IdentityOrigin.Linked)],
            identities.OrderBy(i => i.Origin).Select(i => (i.Connection, i.LegacyId, i.Origin)));
        Assert.Equal(1, await UsersWithAsync(email));

        // Migrated: the legacy systems are not asked again, so the other product's password is just a wrong password.
        var refused = await fixture.LogInAsync(email, other.Password);
        Assert.True(refused.IsLogin);
        Assert.Contains(InvalidCredentials, refused.Html, StringComparison.Ordinal);
        Assert.False((await fixture.LogInAsync(email, used.Password)).IsLogin);
        Assert.Equal(1, await UsersWithAsync(email));
    }

    [Fact]
    public async Task AnUnverifiedAddressAtTheSecondPool_WithAnotherPassword_IsRefused_AndCreatesNoUser()
    {
        var email = $"takeover-{Guid.NewGuid():N}@legacy.example";
        var owner = await fixture.Legacy.AddUserAsync("the owner's password", email: email);
        var squatter = await fixture.Second.AddUserAsync("the squatter's password", email: email, emailVerified: false);

        var page = await fixture.LogInAsync(email, squatter.Password);

        Assert.True(page.IsLogin);
        Assert.Contains(InvalidCredentials, page.Html, StringComparison.Ordinal);
        Assert.Equal(0, await UsersWithAsync(email));

        // The owner is not locked out by it.
        Assert.False((await fixture.LogInAsync(email, owner.Password)).IsLogin);
        Assert.Equal("legacy", (await IdentitiesAsync(email)).Single(i => i.Origin == IdentityOrigin.Imported).Connection);
    }

    [Fact]
    public async Task AnUnverifiedAddressAtTheSecondPool_TypedAsItsUsername_IsRefusedToo()
    {
        var email = $"by-username-{Guid.NewGuid():N}@legacy.example";
        await fixture.Legacy.AddUserAsync("the owner's password", email: email);
        var squatter = await fixture.Second.AddUserAsync("the squatter's password", email: email, emailVerified: false);
        var username = (string)(await fixture.Second.QueryScalarAsync("SELECT username FROM users WHERE id = @id",
            ("id", int.Parse(squatter.Id, System.Globalization.CultureInfo.InvariantCulture))))!;

        // The first pool does not know the username, but it does know the address the second pool's profile carries.
        var page = await fixture.LogInAsync(username, squatter.Password);

        Assert.True(page.IsLogin);
        Assert.Contains(InvalidCredentials, page.Html, StringComparison.Ordinal);
        Assert.Equal(0, await UsersWithAsync(email));
    }

    [Fact]
    public async Task AnUnverifiedAddress_KnownOnlyToTheSecondPool_SignsIn()
    {
        var alone = await fixture.Second.AddUserAsync("only the second knows me", emailVerified: false);

        Assert.False((await fixture.LogInAsync(alone.Email, alone.Password)).IsLogin);

        Assert.Equal("second", Assert.Single(await IdentitiesAsync(alone.Email)).Connection);
    }

    [Fact]
    public async Task Linking_WaitsOutALegacyOutage_AndLinksWhenThePoolIsBack()
    {
        var email = $"outage-{Guid.NewGuid():N}@legacy.example";
        var first = await fixture.Legacy.AddUserAsync("signs in during the outage", email: email);
        var second = await fixture.Second.AddUserAsync("unused", email: email);
        var logged = fixture.Log.Count;

        await fixture.Second.ExecuteAsync("ALTER TABLE users RENAME TO users_away");
        try
        {
            Assert.False((await fixture.LogInAsync(email, first.Password)).IsLogin);
            var userId = (await IdentitiesAsync(email)).Single().UserId;
            await Wait.ForAsync(() => Task.FromResult(fixture.Log.Text), text =>
                text.Contains($"Identity linking for user {userId} waits for a legacy system", StringComparison.Ordinal));
            Assert.Single(await IdentitiesAsync(email));
            Assert.True(fixture.Log.Count > logged);
        }
        finally
        {
            await fixture.Second.ExecuteAsync("ALTER TABLE users_away RENAME TO users");
        }

        var identities = await Wait.ForAsync(() => IdentitiesAsync(email), found => found.Count == 2);
        Assert.Contains(identities, i => i is { Connection: "second", Origin: IdentityOrigin.Linked } && i.LegacyId == second.Id);
        // The linker deletes the pending row after it has written the identity, in a statement of its own.
        await Wait.ForAsync(() => fixture.WithDatabaseAsync(db => db.PendingIdentityLinks.AnyAsync(l => l.UserId == identities[0].UserId, Ct)), pending => !pending);
    }

    [Fact]
    public async Task ALinkedAddress_NeverBecomesASecondUser_ThroughLoginResetOrRegistration()
    {
        var email = $"linked-{Guid.NewGuid():N}@legacy.example";
        var first = await fixture.Legacy.AddUserAsync("the first product's password", email: email);
        var second = await fixture.Second.AddUserAsync("the second product's password", email: email);
        Assert.False((await fixture.LogInAsync(email, first.Password)).IsLogin);
        await Wait.ForAsync(() => IdentitiesAsync(email), found => found.Count == 2);

        // By the second pool's own username (which is not the user's here): that legacy account is this user's.
        var username = (string)(await fixture.Second.QueryScalarAsync("SELECT username FROM users WHERE id = @id",
            ("id", int.Parse(second.Id, System.Globalization.CultureInfo.InvariantCulture))))!;
        Assert.True((await fixture.LogInAsync(username, second.Password)).IsLogin);

        using var api = await fixture.ApiAsync();
        using var created = await api.PostAsJsonAsync("/api/v1/users", new { email, password = "a password of my own" }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, created.StatusCode);

        using var browser = fixture.CreateBrowser();
        var registration = await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "a password of my own",
            ["Input.ConfirmPassword"] = "a password of my own",
        });
        Assert.Contains("An account with this email already exists.", registration.Html, StringComparison.Ordinal);

        // A reset of the address is the local user's (an Identity token), not a legacy pool's pending import.
        await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = email });
        Assert.Contains("kind=local", await Wait.ForAsync(() => MailTo.BodyAsync(fixture.MailDirectory, email), body => body is not null), StringComparison.Ordinal);

        Assert.Equal(1, await UsersWithAsync(email));
        Assert.Equal(2, (await IdentitiesAsync(email)).Count);
    }

    [Fact]
    public async Task TheUserApi_ShowsTheIdentities_FiltersByAnyOfThem_AndUnlinksOne()
    {
        var email = $"api-{Guid.NewGuid():N}@legacy.example";
        var first = await fixture.Legacy.AddUserAsync("first", email: email);
        var second = await fixture.Second.AddUserAsync("second", email: email);
        Assert.False((await fixture.LogInAsync(email, first.Password)).IsLogin);
        var userId = (await Wait.ForAsync(() => IdentitiesAsync(email), found => found.Count == 2))[0].UserId;
        using var api = await fixture.ApiAsync();

        var user = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/users/{userId}", Ct);
        var shown = user.GetProperty("identities").EnumerateArray()
            .Select(i => (i.GetProperty("connection").GetString(), i.GetProperty("legacyId").GetString(), i.GetProperty("origin").GetString()))
            .ToList();
        Assert.Equal([("legacy", first.Id, "Imported"), ("second", second.Id, "Linked")], shown);
        Assert.DoesNotContain("password", user.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var bySecond = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/users?connection=second&q={Uri.EscapeDataString(email)}", Ct);
        Assert.Equal(userId.ToString(), Assert.Single(bySecond.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());

        using var imported = await api.DeleteAsync($"/api/v1/users/{userId}/identities/legacy/{first.Id}", Ct);
        Assert.Equal(HttpStatusCode.Conflict, imported.StatusCode);
        using var unlinked = await api.DeleteAsync($"/api/v1/users/{userId}/identities/second/{second.Id}", Ct);
        Assert.Equal(HttpStatusCode.OK, unlinked.StatusCode);
        using var again = await api.DeleteAsync($"/api/v1/users/{userId}/identities/second/{second.Id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(["legacy"], (await IdentitiesAsync(email)).Select(i => i.Connection));
        Assert.True(await fixture.WithDatabaseAsync(db => db.AuditEvents.AnyAsync(
            a => a.Type == LazyMigrate.Server.Audit.AuditEventType.IdentityUnlinked && a.UserId == userId && a.Connection == "second" && a.Actor == "client:machine", Ct)));
    }

    private Task<List<UserIdentity>> IdentitiesAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return fixture.WithDatabaseAsync(db => db.Users.Where(u => u.NormalizedEmail == normalized)
            .SelectMany(u => u.Identities).OrderBy(i => i.Id).AsNoTracking().ToListAsync(Ct));
    }

    private Task<int> UsersWithAsync(string email)
    {
        var normalized = email.ToUpperInvariant();
        return fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalized, Ct));
    }
}

/// <summary>The first pool answers "wrong password" for everyone it does not know, as Auth0's templates do.</summary>
public class Auth0FirstPoolTests(Auth0FirstPoolFixture fixture) : IClassFixture<Auth0FirstPoolFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AUserOnlyInTheSecondPool_SignsIn(bool emailVerified)
    {
        var legacy = await fixture.Second.AddUserAsync("known to the second pool only", emailVerified: emailVerified);

        var page = await fixture.LogInAsync(legacy.Email, legacy.Password);

        Assert.False(page.IsLogin, page.Html);
        var normalized = legacy.Email.ToUpperInvariant();
        var identity = await fixture.WithDatabaseAsync(db => db.UserIdentities.SingleAsync(
            i => i.Connection == "second" && i.LegacyId == legacy.Id, TestContext.Current.CancellationToken));
        Assert.Equal(IdentityOrigin.Imported, identity.Origin);
        Assert.Equal(1, await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.NormalizedEmail == normalized, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task AUserOfTheFirstPool_StillSignsInThroughItsCallbackScript()
    {
        var legacy = await fixture.Legacy.AddUserAsync("known to the first pool");

        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        Assert.True((await fixture.LogInAsync($"nobody-{Guid.NewGuid():N}@legacy.example", "anything at all")).IsLogin);
    }
}

/// <summary>A connection trusted for its emails may sign in an address an earlier pool knows, verified or not.</summary>
public class TrustedEmailsTests(LegacyPoolsFixture fixture) : IClassFixture<LegacyPoolsFixture>
{
    [Fact]
    public async Task ASecondPoolTrustedForItsEmails_SignsInAnUnverifiedAddress_TheFirstAlsoKnows()
    {
        var email = $"trusted-{Guid.NewGuid():N}@legacy.example";
        await fixture.Legacy.AddUserAsync("the first product's password", email: email);
        var second = await fixture.Second.AddUserAsync("the second product's password", email: email, emailVerified: false);
        Assert.True((await fixture.LogInAsync(email, second.Password)).IsLogin);

        using var api = await fixture.ApiAsync();
        using var read = await api.GetAsync("/api/v1/connections/second", TestContext.Current.CancellationToken);
        Assert.False((await read.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken)).GetProperty("trustEmails").GetBoolean());
        using var trusted = await api.PatchJsonAsync("/api/v1/connections/second", new { trustEmails = true }, read.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.OK, trusted.StatusCode);

        Assert.False((await fixture.LogInAsync(email, second.Password)).IsLogin);
        var normalized = email.ToUpperInvariant();
        Assert.Equal("second", await fixture.WithDatabaseAsync(db => db.UserIdentities
            .Where(i => i.Origin == IdentityOrigin.Imported && db.Users.Any(u => u.Id == i.UserId && u.NormalizedEmail == normalized))
            .Select(i => i.Connection).SingleAsync(TestContext.Current.CancellationToken)));
    }
}
