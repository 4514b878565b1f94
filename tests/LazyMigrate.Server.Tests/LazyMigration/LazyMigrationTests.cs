using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.LazyMigration;

public class LazyMigrationTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    // As the validation summary shows it (the bare text also sits in the password field's validation attributes).
    private const string InvalidCredentials = "<li>Incorrect email, username or password.</li>";

    [Fact]
    public async Task FirstLogin_ImportsTheUser_AndTheIdTokenCarriesTheLegacyProfile()
    {
        var legacy = await fixture.Legacy.AddUserAsync("typed at the first login", "Grace", "Hopper");
        using var browser = fixture.CreateBrowser();

        var flow = await browser.SignInAsync(TestClients.Web, AsTestUser(legacy));

        var idToken = await browser.Http.ValidateIdTokenAsync(flow.Tokens.IdToken!, LazyMigrateServer.InMemoryIssuer, TestClients.Web.ClientId);
        Assert.Equal("Grace", idToken.GetClaim("given_name").Value);
        Assert.Equal("Hopper", idToken.GetClaim("family_name").Value);
        Assert.Equal(legacy.Email, idToken.GetClaim("email").Value);

        var user = await FindAsync(legacy.Email);
        Assert.NotNull(user);
        Assert.Equal(user.Id.ToString(), idToken.Subject);
        var identity = Assert.Single(user.Identities);
        Assert.Equal(("legacy", legacy.Id, LazyMigrate.Server.Identities.IdentityOrigin.Imported), (identity.Connection, identity.LegacyId, identity.Origin));
        Assert.NotNull(user.MigratedAt);
        Assert.True(user.EmailConfirmed);
        Assert.Equal("+1 202 555 0199", user.PhoneNumber);
    }

    [Fact]
    public async Task SecondLogin_NeverAsksTheLegacySystemAgain()
    {
        var legacy = await fixture.Legacy.AddUserAsync("the original password");
        Assert.True(await fixture.LogInAsync(legacy.Email, legacy.Password) is { IsLogin: false });

        // The legacy system changes its mind about the password, then forgets the user entirely.
        await fixture.Legacy.ExecuteAsync("UPDATE users SET password_hash = crypt('a later password', gen_salt('bf', 4)) WHERE email = @email", ("email", legacy.Email));
        Assert.True(await fixture.LogInAsync(legacy.Email, legacy.Password) is { IsLogin: false });
        Assert.True((await fixture.LogInAsync(legacy.Email, "a later password")).IsLogin);

        await fixture.Legacy.ExecuteAsync("DELETE FROM users WHERE email = @email", ("email", legacy.Email));
        Assert.True(await fixture.LogInAsync(legacy.Email, legacy.Password) is { IsLogin: false });
        Assert.NotNull(await FindAsync(legacy.Email));
    }

    [Fact]
    public async Task WrongPassword_AndUnknownUser_GetTheSameAnswer_AndCreateNoUser()
    {
        var legacy = await fixture.Legacy.AddUserAsync("the right password");
        var unknown = $"nobody-{Guid.NewGuid():N}@legacy.example";

        var wrong = await fixture.LogInAsync(legacy.Email, "not the right password");
        var missing = await fixture.LogInAsync(unknown, "not the right password");

        Assert.True(wrong.IsLogin);
        Assert.True(missing.IsLogin);
        Assert.Equal(wrong.Status, missing.Status);
        Assert.Contains(InvalidCredentials, wrong.Html, StringComparison.Ordinal);
        Assert.Contains(InvalidCredentials, missing.Html, StringComparison.Ordinal);
        Assert.Null(await FindAsync(legacy.Email));
        Assert.Null(await FindAsync(unknown));
    }

    [Fact]
    public async Task LoginByLegacyUsername_ImportsTheSameUser()
    {
        var legacy = await fixture.Legacy.AddUserAsync("sign in with a username");
        string username;
        await using (var connection = new Npgsql.NpgsqlConnection(fixture.Legacy.ConnectionString))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new Npgsql.NpgsqlCommand("SELECT username FROM users WHERE email = @email", connection);
            command.Parameters.AddWithValue("email", legacy.Email);
            username = (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }

        Assert.False((await fixture.LogInAsync(username.ToUpperInvariant(), legacy.Password)).IsLogin);
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        Assert.Equal(1, await fixture.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Identities.Any(i => i.Connection == "legacy" && i.LegacyId == legacy.Id), TestContext.Current.CancellationToken)));
    }

    private async Task<User?> FindAsync(string email)
    {
        var normalised = email.ToUpperInvariant();
        return await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().Include(u => u.Identities).SingleOrDefaultAsync(u => u.NormalizedEmail == normalised, TestContext.Current.CancellationToken));
    }

    private static TestUser AsTestUser(LegacyUser legacy) => new(Guid.Empty, legacy.Email, legacy.Email, legacy.Password);
}

public class LegacySystemDownTests(DeadLegacyServerFixture fixture) : IClassFixture<DeadLegacyServerFixture>
{
    [Fact]
    public async Task LegacyDatabaseDown_SaysTryAgainLater_WithinTheTimeout_CreatesNoUser_AndMigratedUsersStillSignIn()
    {
        var email = $"stranded-{Guid.NewGuid():N}@legacy.example";
        using var browser = fixture.CreateBrowser();
        var page = await browser.NavigateAsync("/Account/Login");

        var answer = await browser.LogInAsync(page, email, "whatever they typed");

        Assert.True(answer.IsLogin);
        Assert.Contains("<li>We can&#x27;t sign you in right now", answer.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<li>Incorrect email", answer.Html, StringComparison.Ordinal);

        var normalised = email.ToUpperInvariant();
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == normalised, TestContext.Current.CancellationToken)));

        var local = await fixture.Server.Services.CreateUserAsync();
        using var other = fixture.CreateBrowser();
        var signedIn = await other.LogInAsync(await other.NavigateAsync("/Account/Login"), local.Email, local.Password);
        Assert.False(signedIn.IsLogin, signedIn.Html);
    }

    [Fact]
    public async Task Register_WhileTheLegacyDatabaseIsDown_IsRefused_RatherThanLettingAnAddressBeTaken()
    {
        var email = $"maybe-legacy-{Guid.NewGuid():N}@legacy.example";
        using var browser = fixture.CreateBrowser();
        var form = await browser.NavigateAsync("/Account/Register");
        var page = await browser.SubmitAsync(form, new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "a new password",
            ["Input.ConfirmPassword"] = "a new password",
        });

        Assert.Contains("<li>We can&#x27;t create your account right now", page.Html, StringComparison.Ordinal);
        var normalised = email.ToUpperInvariant();
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == normalised, TestContext.Current.CancellationToken)));
    }
}
