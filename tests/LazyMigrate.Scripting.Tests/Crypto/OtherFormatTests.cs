using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LazyMigrate.Scripting.Crypto;
using Microsoft.AspNetCore.Identity;
using static LazyMigrate.Scripting.Tests.Crypto.LegacyPasswordVerifierTests;

namespace LazyMigrate.Scripting.Tests.Crypto;

/// <summary>
/// Formats that keep the hash apart from its settings (Firebase, FusionAuth, ASP.NET Membership, CSV columns), the
/// ASP.NET Identity hashes the export writes as PHC strings, and Check's cost.
/// </summary>
public sealed partial class OtherFormatTests
{
    // ---- Firebase (modified scrypt) ----

    [Fact]
    public void Firebase_VerifiesFirebasesOwnSample()
    {
        // github.com/firebase/scrypt README: the sample project's hash parameters and the exported user1@test.com
        // (password "user1password"). Also what node's firebase-scrypt 2.2.0 computes for them.
        var hash = LegacyPasswordHash.FromFormat("firebase-scrypt", "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==", "42xEC+ixf3L2lw==", new Dictionary<string, string>
        {
            ["base64_signer_key"] = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
            ["base64_salt_separator"] = "Bw==",
            ["rounds"] = "8",
            ["mem_cost"] = "14",
        });

        Assert.Equal("firebase-scrypt", hash.Format);
        LegacyPasswordVerifier.Check(hash);
        Assert.True(LegacyPasswordVerifier.Verify("user1password", hash));
        Assert.False(LegacyPasswordVerifier.Verify("user2password", hash));
        Assert.Equal(hash, LegacyPasswordHash.Deserialize(hash.Serialize()));
    }

    [Theory]
    // node: new (require('firebase-scrypt').FirebaseScrypt)({ memCost: 14, rounds: 8, saltSeparator: 'Bw==', signerKey: <the sample's> }).hash('correct horse 9', 'c2FsdHlzYWx0eQ==')
    [InlineData("HE39uMQrILpIHxmMU8OwZLgJOR3lsDwJ+WHI0VzBoegoMqZhCy4+zMlUmKJETjH4VisHPaXkM2FR5J+JZW2LyQ==", "c2FsdHlzYWx0eQ==", "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==", "Bw==", 8, 14)]
    // same with { memCost: 10, rounds: 4, saltSeparator: '', signerKey: 'c2lnbmVyLWtleS0wMTIzNDU2Nzg5' }.hash('correct horse 9', 'c2FsdA==')
    [InlineData("2ki+eqqu4P/M4om8GeVyl0W/e5qx", "c2FsdA==", "c2lnbmVyLWtleS0wMTIzNDU2Nzg5", "", 4, 10)]
    public void Firebase_VerifiesFirebaseScryptVectors(string value, string salt, string signerKey, string separator, int rounds, int memCost)
    {
        var hash = LegacyPasswordHash.FromFormat("firebase-scrypt", value, salt, new Dictionary<string, string>
        {
            ["signerKey"] = signerKey,
            ["saltSeparator"] = separator,
            ["rounds"] = rounds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["memCost"] = memCost.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        Assert.True(LegacyPasswordVerifier.Verify(Password, hash));
        Assert.False(LegacyPasswordVerifier.Verify(Wrong(Password), hash));
    }

    [Theory]
    [InlineData("9", "14", "Firebase rounds must be within 1..8")]
    [InlineData("8", "15", "mem_cost within 1..14")]
    [InlineData("x", "14", "rounds is not a number")]
    public void Firebase_RefusesParametersOutsideFirebasesRanges(string rounds, string memCost, string reason)
    {
        var hash = LegacyPasswordHash.FromFormat("firebase-scrypt", "2ki+eqqu4P/M4om8GeVyl0W/e5qx", "c2FsdA==", new Dictionary<string, string>
        {
            ["signer_key"] = "c2lnbmVyLWtleS0wMTIzNDU2Nzg5",
            ["rounds"] = rounds,
            ["mem_cost"] = memCost,
        });

        Assert.Contains(reason, Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Check(hash)).Message, StringComparison.Ordinal);
    }

    // ---- FusionAuth ----

    public static TheoryData<string, string, int, string, string, string> FusionAuthVectors => new()
    {
        // FusionAuth's own import example (its load-test users: salted-sha256, factor 1, password "password123";
        // FusionAuth/fusionauth-load-tests): confirms the password ‖ salt order and the base64 salt and hash.
        { "salted-sha256 (FusionAuth's example)", "salted-sha256", 1, "ZjFuZDFuZ24zbTA=", "KGRZ7l/GeMtj2oQVXXatV4ODFXgpJA8iW6z1Kzvr0FQ=", "password123" },

        // FusionAuth's server is closed source; the rest follow the pseudocode of fusionauth.io/docs/reference/password-hashes
        // in Python (hashlib, hmac), salt = base64(b'fusion-salt-0123') = "ZnVzaW9uLXNhbHQtMDEyMw==":
        // md5 applied `factor` times to P + salt bytes
        { "salted-md5 factor 1", "salted-md5", 1, "ZnVzaW9uLXNhbHQtMDEyMw==", "qju9ICZvwLvU5XDFlWazNQ==", Password },
        { "salted-md5 factor 20000", "salted-md5", 20000, "ZnVzaW9uLXNhbHQtMDEyMw==", "/4xkaf7cjIQdrfQOhqPjPA==", Password },
        // sha256 applied 24000 times to P + salt bytes
        { "salted-sha256 factor 24000", "salted-sha256", 24000, "ZnVzaW9uLXNhbHQtMDEyMw==", "h7scLaqrQN4aQfDOFeYyF+IDaJBx5EnJVpOpRt11FGI=", Password },
        // hmac.new(salt bytes, P, sha256)
        { "salted-hmac-sha256", "salted-hmac-sha256", 1, "ZnVzaW9uLXNhbHQtMDEyMw==", "wkOu/RGbkRidoKlsp1zOm5QXoZwTdBl1anIhMkTxdAA=", Password },
        // hashlib.pbkdf2_hmac('sha256', P, salt bytes, factor, 32 or 64); 'sha512' for salted-pbkdf2-hmac-sha512-512
        { "salted-pbkdf2-hmac-sha256", "salted-pbkdf2-hmac-sha256", 24000, "ZnVzaW9uLXNhbHQtMDEyMw==", "tOfvliNk9XjE9h2gFN0B58LN3pEtjfOqwm5fzNK0hno=", Password },
        { "salted-pbkdf2-hmac-sha256-512", "salted-pbkdf2-hmac-sha256-512", 10000, "ZnVzaW9uLXNhbHQtMDEyMw==", "y23tYU/jIn0Kf82eovx3GevpfrK82Jeq00E9RwG9pxKgmyvss+kzuI8ovWhUDyG4X4Orm3AEmA3tm2QT5rthQQ==", Password },
        { "salted-pbkdf2-hmac-sha512-512", "salted-pbkdf2-hmac-sha512-512", 10000, "ZnVzaW9uLXNhbHQtMDEyMw==", "TEUiU6iwktoFGXFkwOJTHcTWpn9FTEOcvdw6b59r32AhI7trrh6bOjwJ8AKq8a8YcOxrXgltR7GwfXF5Zhw19w==", Password },
        { "salted-pbkdf2-hmac-sha512 (the same)", "salted-pbkdf2-hmac-sha512", 10000, "ZnVzaW9uLXNhbHQtMDEyMw==", "TEUiU6iwktoFGXFkwOJTHcTWpn9FTEOcvdw6b59r32AhI7trrh6bOjwJ8AKq8a8YcOxrXgltR7GwfXF5Zhw19w==", Password },
        // bcrypt: FusionAuth imports $2b$05$<22 salt><31 hash> as factor 5, salt and password; python3 bcrypt.hashpw(P, bcrypt.gensalt(5))
        { "bcrypt", "bcrypt", 5, "/exibKvno4vqoAZhPwHmKO", "JdEzZDHahgUjdFrLgop7RoL18mrmMty", Password },
    };

    [Theory]
    [MemberData(nameof(FusionAuthVectors))]
    public void FusionAuth_VerifiesEveryScheme(string source, string scheme, int factor, string salt, string value, string password)
    {
        var hash = LegacyPasswordHash.FromFusionAuth(scheme, factor, salt, value);

        LegacyPasswordVerifier.Check(hash);
        Assert.True(LegacyPasswordVerifier.Verify(password, hash), source);
        Assert.False(LegacyPasswordVerifier.Verify(Wrong(password), hash), source);
        Assert.Equal(hash, LegacyPasswordHash.Deserialize(hash.Serialize()));
        Assert.Equal(hash, LegacyPasswordHash.FromFormat("fusionauth-" + scheme, value, salt, new Dictionary<string, string> { ["factor"] = factor.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
    }

    [Fact]
    public void FusionAuth_UsesAuth0sTermsWhereAuth0HasTheAlgorithm()
    {
        Assert.Equal("fusionauth-salted-sha256", LegacyPasswordHash.FromFusionAuth("salted-sha256", 24000, "ZnVzaW9uLXNhbHQtMDEyMw==", "h7scLaqrQN4aQfDOFeYyF+IDaJBx5EnJVpOpRt11FGI=").Format);
        Assert.Equal("hmac-sha256", LegacyPasswordHash.FromFusionAuth("salted-hmac-sha256", 1, "ZnVzaW9uLXNhbHQtMDEyMw==", "wkOu/RGbkRidoKlsp1zOm5QXoZwTdBl1anIhMkTxdAA=").Format);
        var pbkdf2 = LegacyPasswordHash.FromFusionAuth("salted-pbkdf2-hmac-sha256", 24000, "ZnVzaW9uLXNhbHQtMDEyMw==", "tOfvliNk9XjE9h2gFN0B58LN3pEtjfOqwm5fzNK0hno=");
        Assert.Equal("$pbkdf2-sha256$i=24000,l=32$ZnVzaW9uLXNhbHQtMDEyMw$tOfvliNk9XjE9h2gFN0B58LN3pEtjfOqwm5fzNK0hno", pbkdf2.Hash.Value);
        Assert.Equal("$2a$05$/exibKvno4vqoAZhPwHmKOJdEzZDHahgUjdFrLgop7RoL18mrmMty", LegacyPasswordHash.FromFusionAuth("bcrypt", 5, "/exibKvno4vqoAZhPwHmKO", "JdEzZDHahgUjdFrLgop7RoL18mrmMty").Hash.Value);
    }

    [Fact]
    public void FusionAuth_RefusesAnUnknownScheme_ListingTheKnownOnes_AndAFactorOverTheCap()
    {
        var unknown = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordHash.FromFusionAuth("phpass-md5", 8, "c2FsdA==", "aGFzaA=="));
        Assert.Equal("unsupported FusionAuth encryptionScheme 'phpass-md5' (supported: salted-md5, salted-sha256, salted-hmac-sha256, salted-pbkdf2-hmac-sha256, salted-pbkdf2-hmac-sha256-512, salted-pbkdf2-hmac-sha512-512, bcrypt)", unknown.Message);

        var slow = LegacyPasswordHash.FromFusionAuth("salted-sha256", 3_000_000, "ZnVzaW9uLXNhbHQtMDEyMw==", "h7scLaqrQN4aQfDOFeYyF+IDaJBx5EnJVpOpRt11FGI=");
        Assert.Contains("FusionAuth factor must be within 1..2000000", Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Check(slow)).Message, StringComparison.Ordinal);
        var slowPbkdf2 = LegacyPasswordHash.FromFusionAuth("salted-pbkdf2-hmac-sha256", 3_000_000, "ZnVzaW9uLXNhbHQtMDEyMw==", "tOfvliNk9XjE9h2gFN0B58LN3pEtjfOqwm5fzNK0hno=");
        Assert.Contains("pbkdf2 iterations must be within 1..2000000", Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Check(slowPbkdf2)).Message, StringComparison.Ordinal);
    }

    // ---- ASP.NET Identity, and the PHC strings the export writes ----

    [Fact]
    public void AspNetIdentity_HashesFromPasswordHasher_Verify_AsTheyAre_AndAsPhcStrings()
    {
        // Microsoft.AspNetCore.Identity's own PasswordHasher (the shared framework's, v3: PBKDF2-HMAC-SHA512,
        // 100,000 iterations, 16-byte salt, 32-byte subkey), written by the export as $pbkdf2-sha512$i=100000,l=32$salt$hash.
        var hasher = new PasswordHasher<object>();
        var native = hasher.HashPassword(new object(), Password);

        var phc = LegacyPasswordHash.FromAspNetIdentity(native);

        Assert.Matches(PhcSha512(), phc.Hash.Value);
        Assert.StartsWith("$pbkdf2-sha512$i=100000,l=32$", phc.Hash.Value, StringComparison.Ordinal);
        Assert.Equal("pbkdf2-sha512", phc.Format);
        Assert.True(LegacyPasswordVerifier.Verify(Password, phc));
        Assert.False(LegacyPasswordVerifier.Verify(Wrong(Password), phc));
        Assert.True(LegacyPasswordVerifier.Verify(Password, native, "aspnet-identity"));
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(new object(), native, Password));

        // v2 (PBKDF2-HMAC-SHA1, 1,000 iterations) likewise
        var v2 = new PasswordHasher<object>(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 })).HashPassword(new object(), Password);
        Assert.StartsWith("$pbkdf2-sha1$i=1000,l=32$", LegacyPasswordHash.FromAspNetIdentity(v2).Hash.Value, StringComparison.Ordinal);
        Assert.True(LegacyPasswordVerifier.Verify(Password, LegacyPasswordHash.FromAspNetIdentity(v2)));
    }

    [Fact]
    public void Pbkdf2Sha512Phc_DerivedByRfc2898DeriveBytes_AtLazyMigratesOwnIterations_Verifies()
    {
        // The same conversion by hand, at the server's native setting (220,000 iterations): unpadded standard base64.
        var salt = RandomNumberGenerator.GetBytes(16);
        var subkey = Rfc2898DeriveBytes.Pbkdf2(System.Text.Encoding.UTF8.GetBytes(Password), salt, 220_000, HashAlgorithmName.SHA512, 32);
        var value = $"$pbkdf2-sha512$i=220000,l=32${Convert.ToBase64String(salt).TrimEnd('=')}${Convert.ToBase64String(subkey).TrimEnd('=')}";
        var hash = LegacyPasswordHash.FromAuth0(new JsonObject { ["algorithm"] = "pbkdf2", ["hash"] = new JsonObject { ["value"] = value, ["encoding"] = "utf8" } });

        Assert.True(LegacyPasswordVerifier.Verify(Password, hash));
        Assert.False(LegacyPasswordVerifier.Verify(Wrong(Password), hash));
    }

    [GeneratedRegex(@"^\$pbkdf2-sha512\$i=100000,l=32\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$")]
    private static partial Regex PhcSha512();

    // ---- ASP.NET Membership ----

    [Theory]
    // SqlMembershipProvider.EncodePassword (System.Web reference source) in Python, salt = bytes(range(16)):
    // base64(hashlib.sha256(salt + P.encode('utf-16-le')).digest()), and sha512
    [InlineData("3T+UTLIsKm+0G+3DzrmwVpe9jYJXvYmpP547915OaPE=", "sha256")]
    [InlineData("wrKe7yjeKukOfq6hsPao6ny2brdSri+GDAqz3ZTLB6c0xI23xWsyf9ZrN0MqGuxWxQeCZBSj0pGVxah9CuV+Vw==", "sha512")]
    // KeyedHashAlgorithm branch: the salt repeated to HMACSHA256's 64-byte default key (128 for HMACSHA512), then
    // base64(hmac.new(key, P.encode('utf-16-le'), sha256).digest()); no digest named: a 32-byte hash is .NET 4's default, HMACSHA256
    [InlineData("gKcMeJt2rrkfdXZEKllTf4t3wvmWjmn6jA0RtHa1yyc=", "hmacsha256")]
    [InlineData("gKcMeJt2rrkfdXZEKllTf4t3wvmWjmn6jA0RtHa1yyc=", null)]
    [InlineData("t5PfpmWml5sH03qDKayVT7N+t4x3lDeOudNkZwbMeLhklQSgl7NSG5625HGA4735Zqomkz0SGbjz7Uc8rZrhtA==", "hmacsha512")]
    // the SHA1 vector of LegacyPasswordVerifierTests (20 bytes: SHA1 by default)
    [InlineData("/bzakMgGuqIjmr2K93Zmz5gP3NA=", null)]
    public void AspNetMembership_VerifiesEachHashAlgorithmType(string value, string? digest)
    {
        var parameters = digest is null ? null : new Dictionary<string, string> { ["digest"] = digest };
        var hash = LegacyPasswordHash.FromFormat("aspnet-membership", value, "AAECAwQFBgcICQoLDA0ODw==", parameters);

        Assert.True(LegacyPasswordVerifier.Verify(Password, hash));
        Assert.False(LegacyPasswordVerifier.Verify(Wrong(Password), hash));
        Assert.StartsWith("aspnet-membership", hash.Format, StringComparison.Ordinal);
    }

    // ---- CSV columns: FromFormat ----

    [Fact]
    public void FromFormat_BuildsTheDescriptorFromColumns()
    {
        // The Node vectors of Auth0CustomPasswordHashTests, as a CSV with hash, salt and settings columns would give them.
        var sha256 = LegacyPasswordHash.FromFormat("sha256", "481d8dfeb94f6ab3df55cddb3bb13e51dc238dca6e8aaca3afb5a8c3cb7c8009", "s4lt", new Dictionary<string, string> { ["salt_position"] = "suffix" });
        var hmac = LegacyPasswordHash.FromFormat("hmac-sha512", "m8oGnw4sY27SC+RVBGFlyzD+zHaVH8lG1t2lVz2DrjpegnCvXBjRNBUAGDn05KYngoxhdBt6//xKQ9YciksNhg==", null, new Dictionary<string, string> { ["key"] = "c2VjcmV0LWtleQ==", ["key_encoding"] = "base64", ["hash_encoding"] = "base64" });
        var scrypt = LegacyPasswordHash.FromFormat("scrypt", "0c761f37a270bdc0def4054512674f84eb2b441d52a39a417c1ea4c475c0ec22c156b28492c22d44e402aeb55ef2beb4f39f4b987f0b7ae4e5370756566df7af", "s4lt", new Dictionary<string, string> { ["keylen"] = "64", ["cost"] = "2048", ["block_size"] = "4", ["parallelization"] = "2" });
        var latin1 = LegacyPasswordHash.FromFormat("sha256", "7f908f5f560d8df4fc43bb1943956de7842c4ce797a283646239b9a507ec10af", "s4lt", new Dictionary<string, string> { ["password_encoding"] = "latin1" });
        // The old script descriptor's pbkdf2: hashlib.pbkdf2_hmac('sha256', b'correct horse 9', b's4lt', 1000, 32).hex()
        var pbkdf2 = LegacyPasswordHash.FromFormat("pbkdf2-sha256", "307897651ee751c4d7d4e603ea1ed3326b83f7105aee8952b66d582a0e5553f6", "s4lt", new Dictionary<string, string> { ["iterations"] = "1000", ["keylen"] = "32" });
        var md5 = LegacyPasswordHash.FromFormat("md5", "d23a1eff2a6b9e664def69b2e49cf068");

        Assert.True(LegacyPasswordVerifier.Verify(Password, sha256));
        Assert.True(LegacyPasswordVerifier.Verify(Password, hmac));
        Assert.True(LegacyPasswordVerifier.Verify(Password, scrypt));
        Assert.True(LegacyPasswordVerifier.Verify("corrèct hörse 9€", latin1));
        Assert.True(LegacyPasswordVerifier.Verify(Password, pbkdf2));
        Assert.True(LegacyPasswordVerifier.Verify(Password, md5));
        Assert.Equal(["sha256", "hmac-sha512", "scrypt", "sha256", "pbkdf2-sha256", "md5"], new[] { sha256, hmac, scrypt, latin1, pbkdf2, md5 }.Select(h => h.Format));
        Assert.All(new[] { sha256, hmac, scrypt, latin1, pbkdf2, md5 }, h => Assert.False(LegacyPasswordVerifier.Verify(Wrong(Password), h)));
    }

    [Fact]
    public void FromFormat_RefusesAnUnknownFormatOrParameter_ListingTheKnownOnes()
    {
        var format = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordHash.FromFormat("sha3-256", "00"));
        var parameter = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordHash.FromFormat("md5", "00", parameters: new Dictionary<string, string> { ["pepper"] = "x" }));
        var salted = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordHash.FromFormat("bcrypt", "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC", "salt"));
        var mismatch = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordHash.FromFormat("md5-crypt", "$6$s4lt$KLBPSdQYOvqCsxF3ajtuBGHBrfYDTFdnAO83Q.3TE3MlboNH7okenedWnBR.3dFisCnC92D9HlQZo8XeffkEy1"));

        Assert.StartsWith("unknown hash format 'sha3-256' (supported: auto, bcrypt, argon2, pbkdf2,", format.Message, StringComparison.Ordinal);
        Assert.Contains("fusionauth-<scheme>", format.Message, StringComparison.Ordinal);
        Assert.StartsWith("unknown hash parameter 'pepper'", parameter.Message, StringComparison.Ordinal);
        Assert.Equal("a bcrypt hash carries its own salt; leave the salt column empty", salted.Message);
        Assert.Equal("a md5-crypt hash starts with $1$", mismatch.Message);
    }

    // ---- Check's cost: bulk import calls it for every row ----

    private static readonly LegacyPasswordHash[] Rows =
    [
        LegacyPasswordHash.FromBcrypt("$2b$10$C9hB01.YxRSTcn/ZOOo4j.TW7xCKKFKBSF.C7E0xiUwumqIDqWUXG"),
        LegacyPasswordHash.FromFormat("sha256", "481d8dfeb94f6ab3df55cddb3bb13e51dc238dca6e8aaca3afb5a8c3cb7c8009", "s4lt"),
        LegacyPasswordHash.FromFormat("md5", "d23a1eff2a6b9e664def69b2e49cf068"),
        LegacyPasswordHash.FromFormat("auto", "$pbkdf2-sha512$i=100000,l=64$KNyFsA2rWoE$I2CQGI9H0JxdDf3kERRI97kPCGxh0KWBIV3MxyaS191gDGfzVBGyS4BibhgqWQ0/ails8mHuU9ckASxHOOq58w"),
        LegacyPasswordHash.FromFormat("auto", "$argon2id$v=19$m=65536,t=2,p=1$J6Q/82PCyaNpYKRELJyTZg$m04qUAB8rexWDR4+/0f+SFB+4XMFxt7YAvAq2UycYos"),
        LegacyPasswordHash.FromFormat("auto", "$P$6fnjcgqnFSAqsUoNwCN5MR.eo1qRgk1"),
        LegacyPasswordHash.FromFormat("auto", "AQAAAAIAAYagAAAAEFRj65ClWU/tL4LOAXB5kGVG5/Yy/0Rqs1RDIS+aPhtPxISzKzuY5gn2STz6X/H94g=="),
        LegacyPasswordHash.FromFormat("auto", "$6$rounds=10000$s4lt$gcg8yG4.AL9SUXCyrxlfYxCZaPJHhCqeCvYDRvzWXVRjEkvnP9l46JghLx.rfqTINFfn8lE/qVKHGDMRN7Il6."),
    ];

    [Fact]
    public void Check_IsCheap_FarAboveTheImportsRowRate_AndAllocationLight()
    {
        foreach (var row in Rows)
        {
            LegacyPasswordVerifier.Check(row);
        }

        // The best of a few batches, so tests hashing in parallel on the same cores do not decide the rate.
        const int Count = 8_000;
        var perSecond = 0.0;
        long bytesPerCheck = long.MaxValue;
        for (var batch = 0; batch < 5; batch++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < Count; i++)
            {
                LegacyPasswordVerifier.Check(Rows[i % Rows.Length]);
            }

            perSecond = Math.Max(perSecond, Count / stopwatch.Elapsed.TotalSeconds);
            bytesPerCheck = Math.Min(bytesPerCheck, (GC.GetAllocatedBytesForCurrentThread() - before) / Count);
        }

        Assert.True(perSecond > 50_000, $"{perSecond:N0} checks/s");
        Assert.True(bytesPerCheck < 2_048, $"{bytesPerCheck} bytes per check");
    }

    [Fact]
    public void Verify_OfAFastDigest_IsFast()
    {
        var hash = LegacyPasswordHash.FromFormat("sha256", "481d8dfeb94f6ab3df55cddb3bb13e51dc238dca6e8aaca3afb5a8c3cb7c8009", "s4lt", new Dictionary<string, string> { ["salt_position"] = "suffix" });
        LegacyPasswordVerifier.Verify(Password, hash);

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 20_000; i++)
        {
            LegacyPasswordVerifier.Verify(Password, hash);
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"20,000 salted SHA-256 verifications took {stopwatch.Elapsed}");
    }
}
