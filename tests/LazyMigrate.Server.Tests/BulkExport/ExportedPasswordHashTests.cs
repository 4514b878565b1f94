using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.BulkExport;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Tests.BulkExport;

/// <summary>
/// Native hashes leave as PHC pbkdf2 strings that the legacy verifiers (the ones any importer of the file uses)
/// accept for the right password only; the hashes come from ASP.NET Core Identity's own PasswordHasher.
/// </summary>
public sealed class ExportedPasswordHashTests
{
    private const string Password = "Correct-Horse-Battery-Staple-42";

    private static string IdentityHash(PasswordHasherCompatibilityMode mode, int iterations = 10_000) =>
        new PasswordHasher<User>(Options.Create(new PasswordHasherOptions { CompatibilityMode = mode, IterationCount = iterations }))
            .HashPassword(new User(), Password);

    private static LegacyPasswordHash Exported(string storedHash) => LegacyPasswordHash.FromAuth0(ExportedPasswordHash.ToAuth0(storedHash)!);

    [Theory]
    [InlineData(10_000)]
    [InlineData(220_000)]
    public void IdentityV3_BecomesPbkdf2Sha512Phc_WithItsOwnParameters(int iterations)
    {
        var exported = Exported(IdentityHash(PasswordHasherCompatibilityMode.IdentityV3, iterations));

        Assert.Equal("pbkdf2", exported.Algorithm);
        Assert.Equal("utf8", exported.Hash.Encoding);
        Assert.StartsWith($"$pbkdf2-sha512$i={iterations},l=32$", exported.Hash.Value, StringComparison.Ordinal);
        Assert.DoesNotContain("=$", exported.Hash.Value, StringComparison.Ordinal);
        Assert.True(LegacyPasswordVerifier.Verify(Password, exported));
        Assert.False(LegacyPasswordVerifier.Verify(Password + "!", exported));
    }

    [Fact]
    public void AnArgon2idNativeHash_LeavesAsTheArgon2PhcStringItIs()
    {
        var stored = new Argon2idPasswordHasher().HashPassword(new User(), Password);

        var exported = Exported(stored);

        Assert.Equal("argon2", exported.Algorithm);
        Assert.Equal(stored, exported.Hash.Value);
        Assert.True(LegacyPasswordVerifier.Verify(Password, exported));
        Assert.False(LegacyPasswordVerifier.Verify(Password + "!", exported));
    }

    [Fact]
    public void IdentityV2_BecomesPbkdf2Sha1Phc()
    {
        var exported = Exported(IdentityHash(PasswordHasherCompatibilityMode.IdentityV2));

        Assert.StartsWith("$pbkdf2-sha1$i=1000,l=32$", exported.Hash.Value, StringComparison.Ordinal);
        Assert.True(LegacyPasswordVerifier.Verify(Password, exported));
        Assert.False(LegacyPasswordVerifier.Verify("wrong", exported));
    }

    [Fact]
    public void ALegacyHash_LeavesAsItCameIn()
    {
        // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
        var bcrypt = LegacyPasswordHash.FromBcrypt("$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC");

        var exported = Exported(LegacyCredential.Store(bcrypt));

        Assert.Equal(bcrypt, exported);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64 at all")]
    [InlineData("AgAAAA==")]
    public void NoHash_OrOneNobodyCouldUse_ExportsNone(string? stored)
    {
        Assert.Null(ExportedPasswordHash.ToAuth0(stored));
    }
}
