using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace LazyMigrate.Server.Tests.Mfa;

/// <summary>Factors carried in bulk (Auth0's mfa_factors, FusionAuth's twoFactor.methods), then listed and removed over the API.</summary>
public class BulkMfaTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    [Fact]
    public async Task Auth0File_WithMfaFactors_UserSignsInWithPasswordAndCode_AndTheApiListsAndRemovesFactors()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var user = SampleUserFiles.Users(1, tag, SampleHash.Md5)[0];
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20)).TrimEnd('=');
        var row = SampleUserFiles.Auth0(user);
        row["mfa_factors"] = new JsonArray(
            new JsonObject { ["totp"] = new JsonObject { ["secret"] = secret } },
            new JsonObject { ["phone"] = new JsonObject { ["value"] = "+14155550123" } });
        using var api = await fixture.ApiAsync();

        var job = await api.WaitForEndAsync(await api.StartImportAsync(new JsonArray(row).ToJsonString()));
        Assert.Equal(1L, job.Count("created"));

        var app = new AuthenticatorApp(secret);
        using (var browser = fixture.CreateBrowser())
        {
            var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
            Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);
            page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Code"] = await app.NextCodeAsync() });
            Assert.Equal("/", page.Url.AbsolutePath);
        }

        var id = await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Email == user.Email).Select(u => u.Id).SingleAsync());
        var listed = await api.GetStringAsync($"/api/v1/users/{id}/mfa", TestContext.Current.CancellationToken);
        Assert.DoesNotContain(secret, listed, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("4155550123", listed, StringComparison.Ordinal);
        var factors = JsonDocument.Parse(listed).RootElement;
        Assert.True(factors.GetProperty("twoFactorEnabled").GetBoolean());
        var byKind = factors.GetProperty("factors").EnumerateArray().ToDictionary(f => f.GetProperty("kind").GetString()!);
        Assert.Equal(["authenticator", "phone"], byKind.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("import:legacy", byKind["authenticator"].GetProperty("origin").GetString());
        Assert.Equal(JsonValueKind.String, byKind["authenticator"].GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, byKind["phone"].GetProperty("lastUsedAt").ValueKind);
        var identities = await fixture.WithDatabaseAsync(db => db.UserIdentities.Where(i => i.UserId == id).Select(i => i.Profile).ToListAsync());
        Assert.DoesNotContain(secret, string.Join("\n", identities), StringComparison.OrdinalIgnoreCase);

        // The export writes the factors back in Auth0's shape, which the import reads: the secret survives the round trip.
        using (var start = await api.PostAsync("/api/v1/jobs/users-exports", null, TestContext.Current.CancellationToken))
        {
            var export = JsonDocument.Parse(await start.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("id").GetGuid();
            Assert.Equal("Completed", (await api.WaitForEndAsync(export)).GetProperty("state").GetString());
            var file = await api.GetStringAsync($"/api/v1/jobs/{export}/file", TestContext.Current.CancellationToken);
            var line = file.Split('\n').Select(l => l.Length == 0 ? null : JsonNode.Parse(l)).Single(l => l?["user_id"]?.GetValue<string>() == id.ToString())!;
            Assert.Equal(secret, line["mfa_factors"]![0]!["totp"]!["secret"]!.GetValue<string>());
            Assert.Equal("+14155550123", line["mfa_factors"]![1]!["phone"]!["value"]!.GetValue<string>());
        }

        // Removed by an administrator (audited): sign-in no longer asks for a code.
        using (var removed = await api.DeleteAsync($"/api/v1/users/{id}/mfa/authenticator", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using (var missing = await api.DeleteAsync($"/api/v1/users/{id}/mfa/{Guid.NewGuid()}", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        }

        Assert.True(await fixture.WithDatabaseAsync(db => db.AuditEvents.AnyAsync(e => e.UserId == id && e.Type == AuditEventType.MfaRemoved && e.Actor != null)));
        var after = await api.GetFromJsonAsync<JsonElement>($"/api/v1/users/{id}/mfa", TestContext.Current.CancellationToken);
        Assert.False(after.GetProperty("twoFactorEnabled").GetBoolean());
        Assert.Equal(["phone"], after.GetProperty("factors").EnumerateArray().Select(f => f.GetProperty("kind").GetString()));
        Assert.Equal("/", (await fixture.LogInAsync(user.Email, user.Password)).Url.AbsolutePath);
        Assert.DoesNotContain(secret, fixture.Log.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task FusionAuthFile_WithAuthenticatorMethod_UserSignsInWithTheCodeOfThatSecret()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var user = SampleUserFiles.Users(1, tag, SampleHash.Bcrypt)[0];
        var key = KeyGeneration.GenerateRandomKey(20);
        var body = JsonNode.Parse(SampleUserFiles.FusionAuth([user]))!;
        body["users"]![0]!["twoFactor"] = new JsonObject
        {
            ["methods"] = new JsonArray(new JsonObject { ["id"] = "35VW", ["method"] = "authenticator", ["secret"] = Convert.ToBase64String(key) }),
        };
        using var api = await fixture.ApiAsync();

        var job = await api.WaitForEndAsync(await api.StartImportAsync(body.ToJsonString()));
        Assert.Equal(1L, job.Count("created"));

        using var browser = fixture.CreateBrowser();
        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        Assert.Equal("/Account/SecondFactor", page.Url.AbsolutePath);
        page = await browser.SubmitAsync(page, new Dictionary<string, string> { ["Input.Code"] = await new AuthenticatorApp(Base32Encoding.ToString(key)).NextCodeAsync() });
        Assert.Equal("/", page.Url.AbsolutePath);
    }

    [Fact]
    public async Task Auth0File_MalformedTotpSecret_RefusesTheRowNamingTheFieldNotTheSecret()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var users = SampleUserFiles.Users(2, tag, SampleHash.Md5);
        var bad = SampleUserFiles.Auth0(users[0]);
        bad["mfa_factors"] = new JsonArray(new JsonObject { ["totp"] = new JsonObject { ["secret"] = "not-base32-#secret1" } });
        using var api = await fixture.ApiAsync();

        var id = await api.StartImportAsync(new JsonArray(bad, SampleUserFiles.Auth0(users[1])).ToJsonString());
        var job = await api.WaitForEndAsync(id);

        Assert.Equal((1L, 1L), (job.Count("created"), job.Count("refused")));
        var errors = await api.GetStringAsync($"/api/v1/jobs/{id}/errors", TestContext.Current.CancellationToken);
        Assert.Contains("InvalidMfa", errors, StringComparison.Ordinal);
        Assert.Contains("TOTP secret", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("secret1", errors, StringComparison.Ordinal);
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.Email == users[0].Email)));
    }

    [Fact]
    public async Task Export_OfAPasskeyUserWithAnAuthenticatorKeyNeverConfirmed_WritesNoTotpFactor()
    {
        // Visiting the security page creates an authenticator key before any code confirms it; a passkey turns
        // two-factor sign-in on. The key is no factor, so the next system must not get it as one.
        var user = await fixture.Server.Services.CreateUserAsync();
        await using (var scope = fixture.Server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
            var row = await users.FindByIdAsync(user.Id.ToString()) ?? throw new InvalidOperationException("No such user.");
            Assert.True((await users.ResetAuthenticatorKeyAsync(row)).Succeeded);
            Assert.False(string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(row)));
            var credentialId = Guid.NewGuid().ToByteArray();
            var passkey = new UserPasskeyInfo(credentialId, System.Security.Cryptography.SHA512.HashData(credentialId), DateTimeOffset.UtcNow, 0, ["internal"],
                isUserVerified: true, isBackupEligible: false, isBackedUp: false, attestationObject: [0xa0], clientDataJson: "{}"u8.ToArray());
            Assert.True((await users.AddOrUpdatePasskeyAsync(row, passkey)).Succeeded);
            Assert.True((await users.SetTwoFactorEnabledAsync(row, true)).Succeeded);
        }

        using var api = await fixture.ApiAsync();
        using var start = await api.PostAsync("/api/v1/jobs/users-exports", null, TestContext.Current.CancellationToken);
        var export = JsonDocument.Parse(await start.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("id").GetGuid();
        Assert.Equal("Completed", (await api.WaitForEndAsync(export)).GetProperty("state").GetString());
        var file = await api.GetStringAsync($"/api/v1/jobs/{export}/file", TestContext.Current.CancellationToken);
        var line = file.Split('\n').Select(l => l.Length == 0 ? null : JsonNode.Parse(l)).Single(l => l?["user_id"]?.GetValue<string>() == user.Id.ToString())!;
        Assert.Null(line["mfa_factors"]);
    }
}
