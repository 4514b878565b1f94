using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.BulkImport;

/// <summary>Bulk import meets lazy migration: the unique indexes make one user of one person, and what migrated lazily stays as it is.</summary>
public sealed class LazyAndBulkTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    [Fact]
    public async Task ALazilyMigratedUser_IsNeverOverwritten_AndAnotherIdentityOfTheirAddressIsLinked()
    {
        var legacy = await fixture.Legacy.AddUserAsync("the lazy password", "Grace", "Hopper");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var before = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Email == legacy.Email, TestContext.Current.CancellationToken));
        var rows = new[]
        {
            // The same legacy account, with another profile and another password's hash: already here, skipped.
            Row(legacy.Id, legacy.Email, "Someone", "the file's password"),
            // Another account of the same address at this connection: linked to the user, who keeps their profile.
            Row("other-" + legacy.Id, legacy.Email, "Someone Else", "another password"),
        };
        using var api = await fixture.ApiAsync();

        var job = await api.WaitForEndAsync(await api.StartImportAsync(string.Join('\n', rows.Select(r => r.ToJsonString()))));

        Assert.Equal((2L, 0L, 1L, 1L), (job.Count("processed"), job.Count("created"), job.Count("linked"), job.Count("skipped")));
        var after = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().Include(u => u.Identities).SingleAsync(u => u.Email == legacy.Email, TestContext.Current.CancellationToken));
        Assert.Equal((before.PasswordHash, before.GivenName, before.FamilyName, before.ConcurrencyStamp), (after.PasswordHash, after.GivenName, after.FamilyName, after.ConcurrencyStamp));
        Assert.Equal(
            [(legacy.Id, IdentityOrigin.Imported), ("other-" + legacy.Id, IdentityOrigin.Linked)],
            after.Identities.OrderBy(i => i.Id).Select(i => (i.LegacyId, i.Origin)));
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        Assert.True((await fixture.LogInAsync(legacy.Email, "the file's password")).IsLogin);
    }

    [Fact]
    public async Task ALazySignInWhileTheJobImportsTheSamePerson_EndsAsOneUser()
    {
        var legacy = await fixture.Legacy.AddUserAsync("signing in meanwhile");
        var tag = Guid.NewGuid().ToString("N")[..10];
        var filler = SampleUserFiles.Users(1_500, tag, SampleHash.None).Select(u => SampleUserFiles.Auth0(u).ToJsonString()).ToList();
        // The person is in the middle of the file, with the legacy system's id and a hash of the same password.
        filler.Insert(700, Row(legacy.Id, legacy.Email, "Grace", legacy.Password).ToJsonString());
        using var api = await fixture.ApiAsync();

        var id = await api.StartImportAsync(string.Join('\n', filler), [new("pageSize", "50"), new("rate", "3000")]);
        await Wait.ForAsync(() => api.JobAsync(id), job => job.Count("processed") > 0);
        var signedIn = !(await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin;
        var job = await api.WaitForEndAsync(id);

        Assert.True(signedIn);
        Assert.Equal("Completed", job.GetProperty("state").GetString());
        // Whoever won, one user with one identity; the job counted the person as created or as already here.
        var (users, identities) = await fixture.WithDatabaseAsync(async db => (
            await db.Users.CountAsync(u => u.Email == legacy.Email, TestContext.Current.CancellationToken),
            await db.UserIdentities.CountAsync(i => i.Connection == "legacy" && i.LegacyId == legacy.Id, TestContext.Current.CancellationToken)));
        Assert.Equal((1, 1), (users, identities));
        Assert.Equal(1_501, job.Count("created") + job.Count("skipped"));
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
    }

    /// <summary>An Auth0 row with an unsalted MD5 of <paramref name="password"/>.</summary>
    private static JsonObject Row(string id, string email, string givenName, string password) => new()
    {
        ["user_id"] = id,
        ["email"] = email,
        ["given_name"] = givenName,
        ["custom_password_hash"] = new JsonObject
        {
            ["algorithm"] = "md5",
            ["hash"] = new JsonObject { ["value"] = Md5Hex(password), ["encoding"] = "hex" },
        },
    };

#pragma warning disable CA5351 // The legacy system's weak hash, reproduced to make its file.
    private static string Md5Hex(string password) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password)));
#pragma warning restore CA5351
}
