using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.BulkExport;

/// <summary>
/// A team leaves as easily as it came: the export of one deployment, imported into a fresh one unchanged, lets every
/// user sign in there with the password they had (native, lazily migrated, or a legacy hash still waiting), with the
/// same profile; a user who had no password still has none.
/// </summary>
public sealed class RoundTripTests(RoundTripFixture fixture) : IClassFixture<RoundTripFixture>
{
    // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
    private const string BcryptHash = "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC";

    private static async Task<JsonElement> AwaitJobAsync(HttpClient api, Guid id) =>
        await Wait.ForAsync(
            () => api.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken),
            j => j.GetProperty("state").GetString() is "Completed" or "Failed" or "Cancelled");

    private static async Task<Guid> CreateUserAsync(HttpClient api, string email, string? password)
    {
        var response = await api.PostAsJsonAsync("/api/v1/users", new
        {
            email,
            password,
            givenName = "Round",
            familyName = "Trip",
            nickname = "rt",
            emailVerified = true,
            userMetadata = new { plan = "pro", seats = 3 },
            appMetadata = new { tier = "gold" },
        }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    private async Task<bool> SignsInOnTargetAsync(string email, string password)
    {
        using var browser = new Browser(fixture.Target);
        return !(await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), email, password)).IsLogin;
    }

    [Fact]
    public async Task ExportThenImport_IntoAFreshDeployment_EveryUserSignsInWithTheSamePassword()
    {
        var source = await fixture.ApiAsync();
        var legacy = await fixture.Legacy.AddUserAsync("lazily-migrated-round-trip");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var nativeEmail = $"native-{Guid.NewGuid():N}@example.com";
        await CreateUserAsync(source, nativeEmail, "Native-Round-Trip-1!");
        var waitingEmail = $"waiting-{Guid.NewGuid():N}@example.com";
        var waitingId = await CreateUserAsync(source, waitingEmail, null);
        await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Id == waitingId).ExecuteUpdateAsync(
            s => s.SetProperty(u => u.PasswordHash, LegacyCredential.Store(LegacyPasswordHash.FromBcrypt(BcryptHash)))));
        var resetEmail = $"reset-{Guid.NewGuid():N}@example.com";
        await CreateUserAsync(source, resetEmail, null);

        var export = await source.PostAsync("/api/v1/jobs/users-exports", null, TestContext.Current.CancellationToken);
        var exportId = (await export.JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal("Completed", (await AwaitJobAsync(source, exportId)).GetProperty("state").GetString());
        var file = await source.GetByteArrayAsync($"/api/v1/jobs/{exportId}/file", TestContext.Current.CancellationToken);

        var target = await fixture.TargetApiAsync();
        using var upload = new MultipartFormDataContent
        {
            { new StringContent("previous"), "connection" },
            { new ByteArrayContent(file) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-ndjson") } }, "users", "users.jsonl" },
        };
        var import = await target.PostAsync("/api/v1/jobs/users-imports", upload, TestContext.Current.CancellationToken);
        Assert.True(import.StatusCode == HttpStatusCode.Accepted, await import.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var imported = await AwaitJobAsync(target, (await import.JsonAsync()).GetProperty("id").GetGuid());

        Assert.Equal("Completed", imported.GetProperty("state").GetString());
        Assert.Equal(0, imported.GetProperty("counts").GetProperty("refused").GetInt64());
        Assert.True(await SignsInOnTargetAsync(legacy.Email, legacy.Password));
        Assert.True(await SignsInOnTargetAsync(nativeEmail, "Native-Round-Trip-1!"));
        Assert.True(await SignsInOnTargetAsync(waitingEmail, "correct horse 9"));
        Assert.False(await SignsInOnTargetAsync(nativeEmail, "Native-Round-Trip-2!"));
        Assert.False(await SignsInOnTargetAsync(resetEmail, "anything at all"));

        var moved = await fixture.Target.WithDatabaseAsync(db => db.Users.AsNoTracking().Include(u => u.Identities).SingleAsync(u => u.Email == nativeEmail));
        var original = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == nativeEmail));
        Assert.Equal(("Round", "Trip", "rt", true), (moved.GivenName, moved.FamilyName, moved.Nickname, moved.EmailConfirmed));
        Assert.Equal(JsonDocument.Parse(original.UserMetadata!).RootElement.GetRawText(), JsonDocument.Parse(moved.UserMetadata!).RootElement.GetRawText());
        Assert.Equal(JsonDocument.Parse(original.AppMetadata!).RootElement.GetRawText(), JsonDocument.Parse(moved.AppMetadata!).RootElement.GetRawText());
        // The previous deployment's id is the user's legacy id at the connection they came through.
        var identity = Assert.Single(moved.Identities);
        Assert.Equal(("previous", original.Id.ToString()), (identity.Connection, identity.LegacyId));
        // The lazily migrated user keeps their legacy account: the export's identities come back, Linked to the new user.
        var lazy = await fixture.Target.WithDatabaseAsync(db => db.Users.AsNoTracking().Include(u => u.Identities).SingleAsync(u => u.Email == legacy.Email));
        var lazyOriginal = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == legacy.Email));
        Assert.Equal(
            [("legacy", legacy.Id, IdentityOrigin.Linked), ("previous", lazyOriginal.Id.ToString(), IdentityOrigin.Imported)],
            lazy.Identities.Select(i => (i.Connection, i.LegacyId, i.Origin)).OrderBy(i => i.Connection, StringComparer.Ordinal));
        Assert.Equal(legacy.Email, lazy.Identities.Single(i => i.Connection == "legacy").Email);
        var reset = await fixture.Target.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == resetEmail));
        Assert.Null(reset.PasswordHash);
    }
}
