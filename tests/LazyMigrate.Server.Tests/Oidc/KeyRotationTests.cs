using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LazyMigrate.Server.Tests.Oidc;

/// <summary>
/// Two nodes on one database with a schedule of seconds: a key is published before it signs, so a relying party that
/// cached JWKS validates the first tokens of the new key; tokens of the old key stay valid on both nodes.
/// </summary>
public class KeyRotationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AcrossARotation_ACachedJwksKeepsValidating_AndOldTokensStayValidOnTheOtherNode()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        settings["LazyMigrate:Keys:RotateEvery"] = "00:00:20";
        settings["LazyMigrate:Keys:PublishAhead"] = "00:00:10";
        settings["LazyMigrate:Keys:RefreshEvery"] = "00:00:00.500";
        await using var nodeA = new LazyMigrateServer(database.ConnectionString, settings);
        await using var nodeB = new LazyMigrateServer(database.ConnectionString, settings);
        _ = nodeA.Server;
        _ = nodeB.Server;
        var user = await nodeA.Services.CreateUserAsync();
        using var browserA = new Browser(nodeA);
        var signedIn = await browserA.SignInAsync(TestClients.Web, user);
        var firstIdToken = signedIn.Tokens.IdToken!;
        var firstKid = new JsonWebToken(firstIdToken).Kid;
        var httpB = nodeB.CreateClient();
        var known = new JsonWebKeySet(await httpB.GetStringAsync("/.well-known/jwks", Ct)).Keys.Select(k => k.Kid).ToHashSet();
        var beforeRotation = await nodeA.CreateClient().ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");

        // A relying party fetches JWKS (from either node) once the next key is published, and keeps that copy.
        var cached = await Wait.ForAsync(
            async () => new JsonWebKeySet(await httpB.GetStringAsync("/.well-known/jwks", Ct)),
            jwks => jwks.Keys.Any(k => !known.Contains(k.Kid)),
            TimeSpan.FromMinutes(1));
        var cachedAt = DateTimeOffset.UtcNow;
        var nextKid = cached.Keys.Single(k => !known.Contains(k.Kid)).Kid;
        var next = await nodeA.WithDatabaseAsync(db => db.ServerKeys.SingleAsync(k => k.Id == Guid.ParseExact(nextKid, "N"), Ct));
        Assert.True(next.ActivatesAt > cachedAt, "the next key was published only once it signed");

        // Refreshes on node B until its tokens are signed with the next key; every one validates against the cached copy.
        var refreshToken = signedIn.Tokens.RefreshToken!;
        var kids = new List<string>();
        await Wait.ForAsync(
            async () =>
            {
                var refreshed = await httpB.RefreshAsync(TestClients.Web, refreshToken);
                refreshToken = refreshed.RefreshToken ?? throw new InvalidOperationException(refreshed.Json.ToString());
                var token = await ValidateAsync(refreshed.IdToken!, cached);
                kids.Add(token.Kid);
                return token.Kid;
            },
            kid => kid == nextKid,
            TimeSpan.FromMinutes(1));

        Assert.Contains(kids[0], known);
        // After the switch: both nodes still publish the old key and accept what it signed and encrypted.
        var published = new JsonWebKeySet(await nodeA.CreateClient().GetStringAsync("/.well-known/jwks", Ct));
        Assert.Contains(published.Keys, k => k.Kid == firstKid);
        await ValidateAsync(firstIdToken, published);
        var introspected = await httpB.IntrospectAsync(TestClients.Machine, beforeRotation.AccessToken!);
        Assert.Equal("true", introspected["active"]);
        var stored = await nodeA.WithDatabaseAsync(db => db.ServerKeys.CountAsync(k => k.Use == ServerKeyUse.Signing, Ct));
        Assert.True(stored >= 2);
    }

    private static async Task<JsonWebToken> ValidateAsync(string idToken, JsonWebKeySet jwks)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = LazyMigrateServer.InMemoryIssuer.AbsoluteUri,
            ValidAudience = TestClients.Web.ClientId,
            IssuerSigningKeys = jwks.GetSigningKeys(),
        });
        return result.IsValid ? (JsonWebToken)result.SecurityToken : throw new SecurityTokenException("ID token rejected by the cached JWKS.", result.Exception);
    }
}
