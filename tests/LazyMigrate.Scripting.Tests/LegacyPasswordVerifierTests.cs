using LazyMigrate.Scripting.Crypto;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// Every verifier against hashes written by the format's reference implementation (the command is beside each
/// vector), plus the same hash with a wrong password. All vectors hash the password "correct horse 9".
/// </summary>
public sealed class LegacyPasswordVerifierTests
{
    private const string Password = "correct horse 9";

    public static TheoryData<string, string, string?> Vectors => new()
    {
        // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils 2.4)
        { "bcrypt $2y$ (htpasswd)", "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC", null },
        // node -e "require('bcryptjs').hashSync('correct horse 9', 5)" (bcryptjs on Node 20)
        { "bcrypt $2b$ (bcryptjs)", "$2b$05$l3PHxyashazYqeFHgDvnDebmlpEbpzW1cD4qxtp0m9r1F8PVu2gf2", "bcrypt" },
        // php -r 'echo password_hash("correct horse 9", PASSWORD_ARGON2ID, ["memory_cost"=>1024,"time_cost"=>2,"threads"=>1]);' (PHP 8.2, libargon2)
        { "argon2id (PHP)", "$argon2id$v=19$m=1024,t=2,p=1$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", null },
        // same with PASSWORD_ARGON2I
        { "argon2i (PHP)", "$argon2i$v=19$m=1024,t=2,p=1$aXBab3ZGbVVjZ2hzbmpxZw$ULFxdGbzYdSEmjNeQKVKPQieZMtMljK2opD2TUv9um8", "argon2" },
        // python3 -c "from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=1000).hash('correct horse 9'))" (passlib 1.7)
        { "pbkdf2-sha256 (passlib)", "$pbkdf2-sha256$1000$Uar1HoNQynmP8f7//9.7lw$PpYPCUcokisGyqP64zhxaQuvMQPQnqWIDux4IYeBQ2o", null },
        // same with pbkdf2_sha512
        { "pbkdf2-sha512 (passlib)", "$pbkdf2-sha512$1000$R4jx/p/TWqsVwlhr7X1vzQ$55MlcTGpCbQk5ye.3nZYS2JStCH3bgQCW5shFR1O2LM1fTclc/VxHWuuGkliG0PBhAgqWrJ57KUsRSeZcRAExg", "pbkdf2" },
        // python3 -c "from passlib.hash import scrypt; print(scrypt.using(rounds=10).hash('correct horse 9'))"
        { "scrypt (passlib)", "$scrypt$ln=10,r=8,p=1$hHCOkZJSitHa+1/rvdcagw$I4uE2u1vBSx9VjJ0QRcEJIw3ZfdYSozmdXvu69XPfZI", null },
        // /usr/sbin/slappasswd -h {SSHA} -s 'correct horse 9' (OpenLDAP 2.5), and -h {SHA}, {SMD5}, {MD5}
        { "ldap {SSHA} (slappasswd)", "{SSHA}VD45szUAgVh36jrcsI0WlC7t7VznCY7d", null },
        { "ldap {SHA} (slappasswd)", "{SHA}H5CQsPd3Mi7M+rcAd04YFZWatcg=", "ldap" },
        { "ldap {SMD5} (slappasswd)", "{SMD5}kM+B6N/XBMRmpVbJhuw2fvgm5c0=", null },
        { "ldap {MD5} (slappasswd)", "{MD5}0joe/yprnmZN72my5JzwaA==", null },
        // Microsoft.Extensions.Identity.Core 10.0.15 PasswordHasher<T>.HashPassword (default: v3, PBKDF2-HMAC-SHA512 100k)
        { "aspnet-identity v3 (PasswordHasher)", "AQAAAAIAAYagAAAAEFRj65ClWU/tL4LOAXB5kGVG5/Yy/0Rqs1RDIS+aPhtPxISzKzuY5gn2STz6X/H94g==", null },
        // same with CompatibilityMode = IdentityV2
        { "aspnet-identity v2 (PasswordHasher)", "AKzTb2VHA4DRed/Qv/zK2/zNRbKhvmT2AJ80MfeAllkFwbb8mn6xfdLTisFHjDfwQQ==", "aspnet-identity" },
        // Django 3.2 make_password('correct horse 9') with PBKDF2PasswordHasher (python3-django, Debian 12)
        { "django pbkdf2_sha256 (Django)", "pbkdf2_sha256$260000$wzG8IpkLQN91CxbC6Tz5xV$jsJsL4AEdzdczydIbctZ4Gp2xcay97ylNPf6MMQjx4k=", null },
        // python3 -c "from passlib.hash import phpass; print(phpass.using(rounds=8).hash('correct horse 9'))"
        { "phpass $P$ (passlib)", "$P$6fnjcgqnFSAqsUoNwCN5MR.eo1qRgk1", null },
        // No tool ships SqlMembershipProvider's hashing; this is its documented algorithm in Python:
        // salt = bytes(range(16)); base64(sha1(salt + 'correct horse 9'.encode('utf-16-le')))
        { "aspnet-membership SHA1 (algorithm in Python)", "AAECAwQFBgcICQoLDA0ODw==:/bzakMgGuqIjmr2K93Zmz5gP3NA=", "aspnet-membership" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_AcceptsTheRightPassword_AndRejectsAWrongOne(string source, string hash, string? format)
    {
        Assert.True(LegacyPasswordVerifier.Verify(Password, hash, format), source);
        Assert.False(LegacyPasswordVerifier.Verify("correct horse 8", hash, format), source);
    }

    public static TheoryData<string, string, PasswordHashDescriptor> Descriptors => new()
    {
        // python3 -c "import hashlib; print(hashlib.md5(b'correct horse 9').hexdigest())"
        { "md5", "d23a1eff2a6b9e664def69b2e49cf068", new PasswordHashDescriptor { Algorithm = "md5" } },
        // hashlib.sha256(b's4lt' + b'correct horse 9').hexdigest()
        { "sha256 salt prefix", "44da678e679200203f61a0a5c03eaee2c05f6a8e37aec80edb7619a27deebdba", new PasswordHashDescriptor { Algorithm = "sha256", SaltValue = "s4lt" } },
        // base64(hashlib.sha512(b'correct horse 9' + b's4lt').digest())
        { "sha512 salt suffix base64", "dcbhfh6lputY6TwDX78vWByDvQMU+zYwhxb0IzpIXx+GILTja3P0w9aA/Teh9w0PMCKloSTwaxAbheELHAkipA==", new PasswordHashDescriptor { Algorithm = "sha512", HashEncoding = "base64", SaltValue = "s4lt", SaltPosition = "suffix" } },
        // hmac.new(b'k3y', b'correct horse 9', hashlib.sha256).hexdigest()
        { "hmac-sha256", "a7d77a8ce222fa37621effa75045b26dbb4741ae45f5033fbd48b6e6e5027d63", new PasswordHashDescriptor { Algorithm = "hmac-sha256", KeyValue = "k3y" } },
        // hashlib.pbkdf2_hmac('sha256', b'correct horse 9', b's4lt', 1000, 32).hex()
        { "pbkdf2-sha256", "307897651ee751c4d7d4e603ea1ed3326b83f7105aee8952b66d582a0e5553f6", new PasswordHashDescriptor { Algorithm = "pbkdf2-sha256", SaltValue = "s4lt", Iterations = 1000, KeyLength = 32 } },
    };

    [Theory]
    [MemberData(nameof(Descriptors))]
    public void Verify_WithAnAuth0StyleDescriptor_AcceptsTheRightPassword_AndRejectsAWrongOne(string source, string hash, PasswordHashDescriptor descriptor)
    {
        Assert.True(LegacyPasswordVerifier.Verify(Password, hash, descriptor), source);
        Assert.False(LegacyPasswordVerifier.Verify("correct horse 8", hash, descriptor), source);
    }

    [Fact]
    public void Scrypt_MatchesTheRfc7914TestVector()
    {
        // RFC 7914 §12, third vector; also python3 hashlib.scrypt(b'password', salt=b'NaCl', n=1024, r=8, p=16, dklen=64)
        var key = Scrypt.DeriveKey("password"u8.ToArray(), "NaCl"u8.ToArray(), 1024, 8, 16, 64);

        Assert.Equal(
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
            Convert.ToHexStringLower(key));
    }

    [Theory]
    [InlineData("$2y$31$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC")]
    [InlineData("$argon2id$v=19$m=4194304,t=2,p=1$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M")]
    [InlineData("plainly not a hash")]
    public void Verify_RefusesUnreadableOrExcessiveHashes(string hash)
    {
        Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Verify(Password, hash));
    }
}
