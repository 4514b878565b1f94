using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Tests.Account;

/// <summary>
/// LazyMigrate:PasswordHashAlgorithm: users sign in with a hash of either native algorithm and leave with one of the
/// configured algorithm; Argon2id hashes are the standard PHC string at OWASP's minimum.
/// </summary>
public sealed class NativeHashAlgorithmTests(NativeHashAlgorithmTests.Argon2idFixture argon2id, ServerFixture pbkdf2)
    : IClassFixture<NativeHashAlgorithmTests.Argon2idFixture>, IClassFixture<ServerFixture>
{
    private const string Password = "a password of some length";

    [Fact]
    public async Task APbkdf2User_SigningInWithArgon2idConfigured_EndsUpWithAnArgon2idHash()
    {
        var pbkdf2Hash = new PasswordHasher<User>().HashPassword(new User(), Password);
        var user = await argon2id.Services.CreateUserAsync(Password);
        await SetHashAsync(argon2id, user, pbkdf2Hash);

        await SignInAsync(argon2id, user);

        var stored = await HashOfAsync(argon2id, user);
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", stored, StringComparison.Ordinal);
        // And the new hash is the one that counts from now on.
        await SignInAsync(argon2id, user);
        Assert.Equal(stored, await HashOfAsync(argon2id, user));
    }

    [Fact]
    public async Task AnArgon2idUser_SigningInWithPbkdf2Configured_EndsUpWithAPbkdf2Hash()
    {
        var user = await pbkdf2.Services.CreateUserAsync(Password);
        await SetHashAsync(pbkdf2, user, new Argon2idPasswordHasher().HashPassword(new User(), Password));

        await SignInAsync(pbkdf2, user);

        var stored = await HashOfAsync(pbkdf2, user);
        Assert.False(Argon2idPasswordHasher.IsArgon2id(stored));
        Assert.Equal(PasswordVerificationResult.Success, new PasswordHasher<User>().VerifyHashedPassword(new User(), stored, Password));
    }

    [Fact]
    public async Task NewUsers_GetTheConfiguredAlgorithm()
    {
        var withArgon2id = await argon2id.Services.CreateUserAsync(Password);
        var withPbkdf2 = await pbkdf2.Services.CreateUserAsync(Password);

        Assert.True(Argon2idPasswordHasher.IsArgon2id(await HashOfAsync(argon2id, withArgon2id)));
        Assert.False(Argon2idPasswordHasher.IsArgon2id(await HashOfAsync(pbkdf2, withPbkdf2)));
    }

    [Fact]
    public async Task AWrongPassword_FailsWithEitherHash_AndChangesNothing()
    {
        var user = await argon2id.Services.CreateUserAsync(Password);
        var hash = await HashOfAsync(argon2id, user);
        using var browser = argon2id.CreateBrowser();
        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, Password + "!");

        Assert.True(page.IsLogin);
        Assert.Equal(hash, await HashOfAsync(argon2id, user));
        Assert.Equal(PasswordVerificationResult.Failed, Hasher(PasswordHashAlgorithms.Argon2id).VerifyHashedPassword(new User(), hash, Password + "!"));
        var pbkdf2Hash = new PasswordHasher<User>().HashPassword(new User(), Password);
        Assert.Equal(PasswordVerificationResult.Failed, Hasher(PasswordHashAlgorithms.Argon2id).VerifyHashedPassword(new User(), pbkdf2Hash, Password + "!"));
    }

    [Fact]
    public void AnArgon2idHash_IsThePhcStringAnyArgon2LibraryVerifies()
    {
        var hash = new Argon2idPasswordHasher().HashPassword(new User(), Password);

        // An independent implementation (the legacy verifier's managed Argon2, Konscious) reads the parameters from the
        // string and derives the same hash from the password's UTF-8 bytes.
        Assert.True(LegacyPasswordVerifier.Verify(Password, hash, "argon2"));
        Assert.False(LegacyPasswordVerifier.Verify(Password + "!", hash, "argon2"));
    }

    [Theory]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=4$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")]
    [InlineData("$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")]
    [InlineData("$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")]
    [InlineData("$argon2id$v=19$m=19456,t=2,p=1$!!!$aGFzaA")]
    [InlineData("$argon2id$")]
    public void AMalformedOrOutOfBoundsArgon2idValue_Fails(string stored) =>
        Assert.Equal(PasswordVerificationResult.Failed, new Argon2idPasswordHasher().VerifyHashedPassword(new User(), stored, Password));

    [Fact]
    public void AnArgon2idHashAtOtherParameters_VerifiesAsRehashNeeded()
    {
        // m=8192 (8 MiB), t=1: a cheaper cost than ours, as an older configuration would have written.
        var salt = Convert.ToBase64String(new byte[16]).TrimEnd('=');
        var algorithm = NSec.Cryptography.PasswordBasedKeyDerivationAlgorithm.Argon2id(
            new NSec.Cryptography.Argon2Parameters { DegreeOfParallelism = 1, MemorySize = 8192, NumberOfPasses = 1 });
        var hash = Convert.ToBase64String(algorithm.DeriveBytes(System.Text.Encoding.UTF8.GetBytes(Password), new byte[16], 32)).TrimEnd('=');

        var result = Hasher(PasswordHashAlgorithms.Argon2id).VerifyHashedPassword(new User(), $"$argon2id$v=19$m=8192,t=1,p=1${salt}${hash}", Password);

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, result);
    }

    private static LegacyAwarePasswordHasher Hasher(string algorithm) => new(
        Options.Create(new PasswordHasherOptions()), Options.Create(new AccountOptions { PasswordHashAlgorithm = algorithm }),
        new LegacyVerificationMemory(Options.Create(new LegacyVerificationOptions())), NullLogger<LegacyAwarePasswordHasher>.Instance);

    private static async Task SignInAsync(ServerFixture fixture, TestUser user)
    {
        using var browser = fixture.CreateBrowser();
        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
        Assert.False(page.IsLogin, "the sign-in was refused");
    }

    private static async Task SetHashAsync(ServerFixture fixture, TestUser user, string hash) =>
        await fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.PasswordHash, hash)));

    private static Task<string> HashOfAsync(ServerFixture fixture, TestUser user) =>
        fixture.WithDatabaseAsync(db => db.Users.Where(u => u.Id == user.Id).Select(u => u.PasswordHash!).SingleAsync());

    public sealed class Argon2idFixture : ServerFixture
    {
        protected override void ConfigureSettings(Dictionary<string, string?> settings) =>
            settings["LazyMigrate:PasswordHashAlgorithm"] = PasswordHashAlgorithms.Argon2id;
    }
}
