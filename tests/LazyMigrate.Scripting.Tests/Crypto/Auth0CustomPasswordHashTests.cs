using System.Text.Json.Nodes;
using LazyMigrate.Scripting.Crypto;
using static LazyMigrate.Scripting.Tests.Crypto.LegacyPasswordVerifierTests;

namespace LazyMigrate.Scripting.Tests.Crypto;

/// <summary>
/// Auth0's bulk-import <c>custom_password_hash</c>, read exactly as Auth0 documents it ("Bulk User Import Database
/// Schema and Examples", auth0.com/docs/manage-users/user-migration/bulk-user-import-database-schema-and-examples;
/// its source is auth0/docs-v2, main/docs/manage-users/user-migration/bulk-user-import-database-schema-and-examples.mdx).
/// Auth0's examples must verify; every field is exercised with vectors from Node's crypto (Auth0's importer runs on
/// Node): <c>node --openssl-legacy-provider</c> v20 for md4 and whirlpool.
/// </summary>
public sealed class Auth0CustomPasswordHashTests
{
    /// <summary>A password with characters that UTF-8, Latin-1 and UTF-16 write differently ('è', 'ö' below U+0100, '€' above).</summary>
    private const string Unicode = "corrèct hörse 9€";

    public static TheoryData<string, string, string> DocumentedExamples => new()
    {
        // The page's "Custom password hash examples" list. The page does not state the passwords; each was found by
        // hashing candidate words with Node's (md4, pbkdf2-md4), Python's (hashlib, hmac, bcrypt, argon2-cffi) own
        // functions: "shh" for all but peter's hmac ("test") and carmella's scrypt ("password").
        { "antoinette md4 (Auth0 docs)", """{ "algorithm": "md4", "hash": { "value": "AbuUujgF0pPPkJPSFRTpmA==", "encoding": "base64" } }""", "shh" },
        { "mary sha256 salted (Auth0 docs)", """{ "algorithm": "sha256", "hash": { "value": "d24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f", "encoding": "hex" }, "salt": { "value": "abc123", "position": "prefix" } }""", "shh" },
        { "velma bcrypt (Auth0 docs)", """{ "algorithm": "bcrypt", "hash": { "value": "$2b$10$C9hB01.YxRSTcn/ZOOo4j.TW7xCKKFKBSF.C7E0xiUwumqIDqWUXG" } }""", "shh" },
        { "edward argon2 (Auth0 docs)", """{ "algorithm": "argon2", "hash": { "value": "$argon2id$v=19$m=65536,t=2,p=1$J6Q/82PCyaNpYKRELJyTZg$m04qUAB8rexWDR4+/0f+SFB+4XMFxt7YAvAq2UycYos" } }""", "shh" },
        { "terrell pbkdf2-md4 (Auth0 docs)", """{ "algorithm": "pbkdf2", "hash": { "value": "$pbkdf2-md4$i=100000,l=64$+N375B8q0Fw$fp2R9KAM4hK/votGHC5Fu+jhqbxUD8+Nic/EMSGvNC3UP/k7wSHI0uXluHRSkZfl/BOheYqNOemayG90ZaSSQw", "encoding": "utf8" } }""", "shh" },
        { "cecil pbkdf2-sha512 (Auth0 docs)", """{ "algorithm": "pbkdf2", "hash": { "value": "$pbkdf2-sha512$i=100000,l=64$KNyFsA2rWoE$I2CQGI9H0JxdDf3kERRI97kPCGxh0KWBIV3MxyaS191gDGfzVBGyS4BibhgqWQ0/ails8mHuU9ckASxHOOq58w" } }""", "shh" },
        { "sean ldap {SSHA384} (Auth0 docs)", """{ "algorithm": "ldap", "hash": { "value": "{SSHA384}/cgEjdoZh85DhurDeOQEMO1rMlAur93SVPbYe5XSD4lF7nNuvrBju5hUeg9A6agRemgSXGl5YuE=", "encoding": "utf8" } }""", "shh" },
        { "peter hmac sha1 with hash.key (Auth0 docs)", """{ "algorithm": "hmac", "hash": { "value": "cg7f42jH39/2EaAU4wNd4s2lKIk=", "encoding": "base64", "digest": "sha1", "key": { "value": "736868", "encoding": "hex" } } }""", "test" },
        { "carmella scrypt hex (Auth0 docs)", """{ "algorithm": "scrypt", "hash": { "value": "097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29", "encoding": "hex" }, "salt": { "value": "abc123", "encoding": "utf8" }, "keylen": 32, "cost": 4096 }""", "password" },

        // The page's bcrypt section: "this was generated from the string hello using a cost parameter of 10".
        { "bcrypt 'hello' (Auth0 docs, bcrypt section)", """{ "algorithm": "bcrypt", "hash": { "value": "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K" } }""", "hello" },

        // The schema's salt.position description: "MD5('salt' + 'password') = '67A1E09BB1F83F5007DC119C14D663AA' would have position prefix".
        { "salted md5 (Auth0 schema, salt.position)", """{ "algorithm": "md5", "hash": { "value": "67A1E09BB1F83F5007DC119C14D663AA", "encoding": "hex" }, "salt": { "value": "salt", "position": "prefix" } }""", "password" },
    };

    public static TheoryData<string, string, string> NodeVectors => new()
    {
        // const c = require('crypto'); h = (alg, ...parts) => c.createHash(alg).update(Buffer.concat(parts))
        // h('md4', Buffer.from(P)).digest('base64')
        { "md4 base64", """{ "algorithm": "md4", "hash": { "value": "JWTcENzzMlVAV/QThlbFgg==", "encoding": "base64" } }""", Password },
        // h('md4', Buffer.from('s4lt'), Buffer.from(P)).digest('hex') — salt.encoding and position left to their defaults (utf8, prefix)
        { "md4 hex, utf8 salt by default", """{ "algorithm": "md4", "hash": { "value": "c138c0fb2a0217a5a5a43970bbb8d0fe", "encoding": "hex" }, "salt": { "value": "s4lt" } }""", Password },
        // h('md5', Buffer.from(P)).digest('hex'), no hash.encoding: told by its length
        { "md5 hex, encoding left out", """{ "algorithm": "md5", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf068" } }""", Password },
        // h('md5', Buffer.from(P), Buffer.from('0a1b2c', 'hex')).digest('hex').toUpperCase()
        { "md5 upper-case hex, hex salt suffix", """{ "algorithm": "md5", "hash": { "value": "46B9BC0A4319CCF61C8380D358E729BF", "encoding": "hex" }, "salt": { "value": "0a1b2c", "encoding": "hex", "position": "suffix" } }""", Password },
        // h('sha1', Buffer.from('c2FsdHk=', 'base64'), Buffer.from(P)).digest('base64')
        { "sha1 base64, base64 salt prefix", """{ "algorithm": "sha1", "hash": { "value": "Gqo42895/MlGjSPl8WFuzu+DBdo=", "encoding": "base64" }, "salt": { "value": "c2FsdHk=", "encoding": "base64", "position": "prefix" } }""", Password },
        // h('sha256', Buffer.from(P), Buffer.from('s4lt')).digest('hex')
        { "sha256 hex, utf8 salt suffix", """{ "algorithm": "sha256", "hash": { "value": "481d8dfeb94f6ab3df55cddb3bb13e51dc238dca6e8aaca3afb5a8c3cb7c8009", "encoding": "hex" }, "salt": { "value": "s4lt", "encoding": "utf8", "position": "suffix" } }""", Password },
        // h('sha512', Buffer.from(P)).digest('base64url') (Auth0: "url-encoded base64" is accepted as base64)
        { "sha512 url-safe base64", """{ "algorithm": "sha512", "hash": { "value": "xtcK7_4RXWZoSmjluqKUo7SR-l0xWUbcPPAsoQib3aDo57_l-YVuNtjvRjFbMBqDYY_Miz408CvyKbyVyak0bw", "encoding": "base64" } }""", Password },

        // password.encoding: h('sha256', Buffer.from('s4lt'), Buffer.from('corrèct hörse 9€', ENCODING)).digest('hex')
        { "password.encoding ascii", """{ "algorithm": "sha256", "hash": { "value": "7f908f5f560d8df4fc43bb1943956de7842c4ce797a283646239b9a507ec10af", "encoding": "hex" }, "salt": { "value": "s4lt" }, "password": { "encoding": "ascii" } }""", Unicode },
        { "password.encoding utf8", """{ "algorithm": "sha256", "hash": { "value": "a545d35cfe4d8d57b491440b52e29fc3902ce48ff226892d7d14cd475e74bc10", "encoding": "hex" }, "salt": { "value": "s4lt" }, "password": { "encoding": "utf8" } }""", Unicode },
        { "password.encoding utf16le", """{ "algorithm": "sha256", "hash": { "value": "069641516129785588078dd21fdc3bb03928b4dab745915f6fce8c27a847d29a", "encoding": "hex" }, "salt": { "value": "s4lt" }, "password": { "encoding": "utf16le" } }""", Unicode },
        { "password.encoding ucs2", """{ "algorithm": "sha256", "hash": { "value": "069641516129785588078dd21fdc3bb03928b4dab745915f6fce8c27a847d29a", "encoding": "hex" }, "salt": { "value": "s4lt" }, "password": { "encoding": "ucs2" } }""", Unicode },
        { "password.encoding latin1", """{ "algorithm": "sha256", "hash": { "value": "7f908f5f560d8df4fc43bb1943956de7842c4ce797a283646239b9a507ec10af", "encoding": "hex" }, "salt": { "value": "s4lt" }, "password": { "encoding": "latin1" } }""", Unicode },
        { "password.encoding binary", """{ "algorithm": "sha256", "hash": { "value": "7f908f5f560d8df4fc43bb1943956de7842c4ce797a283646239b9a507ec10af", "encoding": "hex" }, "salt": { "value": "s4lt" }, "password": { "encoding": "binary" } }""", Unicode },
        { "password.encoding left out is utf8", """{ "algorithm": "sha256", "hash": { "value": "a545d35cfe4d8d57b491440b52e29fc3902ce48ff226892d7d14cd475e74bc10", "encoding": "hex" }, "salt": { "value": "s4lt" } }""", Unicode },

        // hmac: c.createHmac(DIGEST, KEY).update(Buffer.concat([salt?, Buffer.from(P)])).digest(ENCODING)
        { "hmac sha256, utf8 key by default", """{ "algorithm": "hmac", "hash": { "value": "a7d77a8ce222fa37621effa75045b26dbb4741ae45f5033fbd48b6e6e5027d63", "encoding": "hex", "digest": "sha256", "key": { "value": "k3y" } } }""", Password },
        { "hmac sha512, base64 key", """{ "algorithm": "hmac", "hash": { "value": "m8oGnw4sY27SC+RVBGFlyzD+zHaVH8lG1t2lVz2DrjpegnCvXBjRNBUAGDn05KYngoxhdBt6//xKQ9YciksNhg==", "encoding": "base64", "digest": "sha512", "key": { "value": "c2VjcmV0LWtleQ==", "encoding": "base64" } } }""", Password },
        { "hmac md5, hex key, salt prefix", """{ "algorithm": "hmac", "hash": { "value": "b0636313b735a7c1fac706a5e3ba4f2d", "encoding": "hex", "digest": "md5", "key": { "value": "00ff10", "encoding": "hex" } }, "salt": { "value": "s4lt" } }""", Password },
        { "hmac sha1", """{ "algorithm": "hmac", "hash": { "value": "8895e145c1bfffd675a7d2aaf462d028c2cccfdd", "encoding": "hex", "digest": "sha1", "key": { "value": "k3y", "encoding": "utf8" } } }""", Password },
        { "hmac sha224", """{ "algorithm": "hmac", "hash": { "value": "f7b1682987ea35691ccbe716165b270c4bb8870a865331744b216f13", "encoding": "hex", "digest": "sha224", "key": { "value": "k3y" } } }""", Password },
        { "hmac sha384", """{ "algorithm": "hmac", "hash": { "value": "f863b3ee8d004eb092152962fb96d54c40c9a489c7ff25c7fa0bdefb6791e78b982aff97ff42506c286818110a60aff9", "encoding": "hex", "digest": "sha384", "key": { "value": "k3y" } } }""", Password },
        { "hmac ripemd160", """{ "algorithm": "hmac", "hash": { "value": "0b606a84878d19e0e9de0c83d5afa7c1cbc77385", "encoding": "hex", "digest": "ripemd160", "key": { "value": "k3y" } } }""", Password },
        { "hmac md4", """{ "algorithm": "hmac", "hash": { "value": "5f28641761643d7edb3ec335431a0af4", "encoding": "hex", "digest": "md4", "key": { "value": "k3y" } } }""", Password },
        { "hmac whirlpool", """{ "algorithm": "hmac", "hash": { "value": "5f3b953c35085490c2619d5c4bdc962587aed07caf6795aa89e8da96f2b69c8e71e6c133fc51a4bbefdcbace83056a5e22656e2acef69ccde4f8b250e2986cf8", "encoding": "hex", "digest": "whirlpool", "key": { "value": "k3y" } } }""", Password },
        { "hmac sha256, password utf16le", """{ "algorithm": "hmac", "hash": { "value": "d1134ffd5110497b0828c553f64e1a8aac7de211f291f8dae44f151593b1af12", "encoding": "hex", "digest": "sha256", "key": { "value": "k3y" } }, "password": { "encoding": "utf16le" } }""", Unicode },

        // scrypt: c.scryptSync(P, SALT, KEYLEN, { N, r, p }).toString(ENCODING)
        { "scrypt base64, base64 salt, N=1024", """{ "algorithm": "scrypt", "hash": { "value": "zaGtLN9OteRG6xHlTxdon+uhUBVuePkqQVjEEF4wiGE=", "encoding": "base64" }, "salt": { "value": "c2FsdHk=", "encoding": "base64" }, "keylen": 32, "cost": 1024, "blockSize": 8, "parallelization": 1 }""", Password },
        { "scrypt hex, N=2048 r=4 p=2 keylen 64", """{ "algorithm": "scrypt", "hash": { "value": "0c761f37a270bdc0def4054512674f84eb2b441d52a39a417c1ea4c475c0ec22c156b28492c22d44e402aeb55ef2beb4f39f4b987f0b7ae4e5370756566df7af", "encoding": "hex" }, "salt": { "value": "s4lt" }, "keylen": 64, "cost": 2048, "blockSize": 4, "parallelization": 2 }""", Password },
        { "scrypt, Auth0's defaults N=16384 r=8 p=1", """{ "algorithm": "scrypt", "hash": { "value": "699d3453d72d0f5bde85324fc9bb46bd608f58e6f83c0ade732ee7cb1b940d3c", "encoding": "hex" }, "salt": { "value": "s4lt" }, "keylen": 32 }""", Password },
        { "scrypt, password latin1", """{ "algorithm": "scrypt", "hash": { "value": "1c1712fd0e9908882cecca56ee940cf1", "encoding": "hex" }, "salt": { "value": "s4lt" }, "keylen": 16, "cost": 1024, "password": { "encoding": "latin1" } }""", Unicode },

        // pbkdf2 PHC strings, the PHC form Auth0 documents (see LegacyPasswordVerifierTests for how each was made)
        { "pbkdf2-sha256 PHC", """{ "algorithm": "pbkdf2", "hash": { "value": "$pbkdf2-sha256$i=1000,l=32$ABEiM0RVZnc$DUgGGh/H81xr+FpWVpBpCEtGsYbgz9eSGwDFM4bosMo", "encoding": "utf8" } }""", Password },
        { "pbkdf2-md5 PHC", """{ "algorithm": "pbkdf2", "hash": { "value": "$pbkdf2-md5$i=1000,l=16$czRsdHM0bHQ$Dwbnx2jVScrJvW3S60kJLA" } }""", Password },

        // bcrypt with an Auth0 salt around the password: python3 bcrypt.hashpw(SALT + P (or P + SALT), bcrypt.gensalt(COST))
        { "bcrypt with a utf8 salt prefix", """{ "algorithm": "bcrypt", "hash": { "value": "$2b$05$EQbpvjVbfYZ59p5t4wjVNuq8gc4PIn54TFUe0XvGBxb6H/aPl2CpK" }, "salt": { "value": "pepper" } }""", Password },
        { "bcrypt with a hex salt suffix", """{ "algorithm": "bcrypt", "hash": { "value": "$2b$04$Ds2xaZgU8Ll0f6NZ8HUIiOzbamIwUWLSpKh12ypavccI5qnWaqMhK", "encoding": "utf8" }, "salt": { "value": "c0ffee", "encoding": "hex", "position": "suffix" } }""", Password },
        // python3 bcrypt.hashpw(bytes(ord(c) & 0xff for c in 'corrèct hörse 9€'), bcrypt.gensalt(4)): Node's latin1 bytes
        { "bcrypt, password latin1", """{ "algorithm": "bcrypt", "hash": { "value": "$2b$04$8FpJp49AS3w6XrzMURkQ8OrcNxJ.AtzdwjWc/DCmL8FTYqMbzUfUq" }, "password": { "encoding": "latin1" } }""", Unicode },

        // ldap and argon2 through the descriptor (slappasswd and PHP vectors of LegacyPasswordVerifierTests)
        { "ldap {SSHA256}", """{ "algorithm": "ldap", "hash": { "value": "{SSHA256}LOzQab4jhfn4OGisJdgowl4Zp42DNL6EYOdiT95VkF4LgquRkO5AzA==" } }""", Password },
        { "argon2i", """{ "algorithm": "argon2", "hash": { "value": "$argon2i$v=19$m=1024,t=2,p=1$aXBab3ZGbVVjZ2hzbmpxZw$ULFxdGbzYdSEmjNeQKVKPQieZMtMljK2opD2TUv9um8", "encoding": "utf8" } }""", Password },
    };

    [Theory]
    [MemberData(nameof(DocumentedExamples))]
    [MemberData(nameof(NodeVectors))]
    public void Verify_AcceptsTheRightPassword_AndRejectsAWrongOne(string source, string json, string password)
    {
        var hash = LegacyPasswordHash.FromAuth0(JsonNode.Parse(json)!);

        LegacyPasswordVerifier.Check(hash);
        Assert.True(LegacyPasswordVerifier.Verify(password, hash), source);
        Assert.False(LegacyPasswordVerifier.Verify(Wrong(password), hash), source);
    }

    [Theory]
    [MemberData(nameof(DocumentedExamples))]
    [MemberData(nameof(NodeVectors))]
    public void ToAuth0_WritesBackWhatAuth0Wrote_AndSerializeRoundTrips(string source, string json, string password)
    {
        _ = password;
        var original = JsonNode.Parse(json)!;
        var hash = LegacyPasswordHash.FromAuth0(original);

        Assert.True(JsonNode.DeepEquals(original, hash.ToAuth0()), $"{source}: {hash.ToAuth0().ToJsonString()}");
        Assert.Equal(hash, LegacyPasswordHash.FromAuth0(hash.ToAuth0()));
        Assert.Equal(hash, LegacyPasswordHash.Deserialize(hash.Serialize()));
    }

    [Fact]
    public void TheBugsOfTheOldDescriptor_AreFixed()
    {
        // hash.key was not read: Auth0's hmac example carries its key there.
        Assert.True(Verify("test", """{ "algorithm": "hmac", "hash": { "value": "cg7f42jH39/2EaAU4wNd4s2lKIk=", "encoding": "base64", "digest": "sha1", "key": { "value": "736868", "encoding": "hex" } } }"""));
        // A hex scrypt hash went to the PHC parser.
        Assert.True(Verify("password", """{ "algorithm": "scrypt", "hash": { "value": "097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29", "encoding": "hex" }, "salt": { "value": "abc123", "encoding": "utf8" }, "keylen": 32, "cost": 4096 }"""));
        // md4 and {SSHA384} threw.
        Assert.True(Verify("shh", """{ "algorithm": "md4", "hash": { "value": "AbuUujgF0pPPkJPSFRTpmA==", "encoding": "base64" } }"""));
        Assert.True(Verify("shh", """{ "algorithm": "ldap", "hash": { "value": "{SSHA384}/cgEjdoZh85DhurDeOQEMO1rMlAur93SVPbYe5XSD4lF7nNuvrBju5hUeg9A6agRemgSXGl5YuE=", "encoding": "utf8" } }"""));
        // password.encoding was ignored: the UTF-8 bytes do not give the UTF-16 hash.
        Assert.True(Verify(Unicode, """{ "algorithm": "sha256", "hash": { "value": "069641516129785588078dd21fdc3bb03928b4dab745915f6fce8c27a847d29a", "encoding": "hex" }, "salt": { "value": "s4lt" }, "password": { "encoding": "utf16le" } }"""));
        Assert.False(Verify(Unicode, """{ "algorithm": "sha256", "hash": { "value": "069641516129785588078dd21fdc3bb03928b4dab745915f6fce8c27a847d29a", "encoding": "hex" }, "salt": { "value": "s4lt" } }"""));

        static bool Verify(string password, string json) => LegacyPasswordVerifier.Verify(password, LegacyPasswordHash.FromAuth0(JsonNode.Parse(json)!));
    }

    [Fact]
    public void FromAuth0_ReadsKeylenAsAuth0WritesIt_AndWritesItBackSo()
    {
        var hash = LegacyPasswordHash.FromAuth0(JsonNode.Parse("""{ "algorithm": "scrypt", "hash": { "value": "00", "encoding": "hex" }, "keylen": 32, "blockSize": 4 }""")!);

        Assert.Equal(32, hash.KeyLen);
        Assert.Equal(4, hash.BlockSize);
        Assert.Contains("\"keylen\":32", hash.Serialize(), StringComparison.Ordinal);
        Assert.Contains("\"blockSize\":4", hash.Serialize(), StringComparison.Ordinal);
        Assert.Contains("\"keylen\":32", System.Text.Json.JsonSerializer.Serialize(hash), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { """{ "algorithm": "sha256", "hash": { "value": "00" }, "salt": { "value": "s", "encodng": "hex" } }""", "custom_password_hash.salt has a property Auth0 does not define: 'encodng'" },
        { """{ "algorithm": "sha256", "hash": { "value": "00" }, "iterations": 10 }""", "custom_password_hash has a property Auth0 does not define: 'iterations'" },
        { """{ "hash": { "value": "00" } }""", "custom_password_hash needs an algorithm" },
        { """{ "algorithm": "md5" }""", "custom_password_hash needs a hash" },
        { """{ "algorithm": "md5", "hash": { "encoding": "hex" } }""", "custom_password_hash.hash needs a value" },
        { """{ "algorithm": "md5", "hash": "d23a1eff2a6b9e664def69b2e49cf068" }""", "custom_password_hash.hash must be an object" },
        { """{ "algorithm": "scrypt", "hash": { "value": "00" }, "keylen": "many" }""", "custom_password_hash.keylen must be an integer" },
        { """{ "algorithm": "scrypt", "hash": { "value": "00" }, "keylen": 1.5 }""", "custom_password_hash.keylen must be an integer" },
        { """{ "algorithm": "hmac", "hash": { "value": "00", "key": { "encoding": "hex" } } }""", "custom_password_hash.hash.key needs a value" },
        { """[1, 2]""", "custom_password_hash must be an object" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void FromAuth0_RefusesWhatAuth0Refuses_WithTheReason(string json, string reason)
    {
        var error = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordHash.FromAuth0(JsonNode.Parse(json)!));

        Assert.Equal(reason, error.Message);
    }

    public static TheoryData<string, string> Unverifiable => new()
    {
        // Auth0's per-algorithm rules
        { """{ "algorithm": "argon2", "hash": { "value": "$argon2i$v=19$m=1024,t=2,p=1$aXBab3ZGbVVjZ2hzbmpxZw$ULFxdGbzYdSEmjNeQKVKPQieZMtMljK2opD2TUv9um8" }, "salt": { "value": "x" } }""", "salt is not allowed with argon2" },
        { """{ "algorithm": "pbkdf2", "hash": { "value": "$pbkdf2-md5$i=1000,l=16$czRsdHM0bHQ$Dwbnx2jVScrJvW3S60kJLA" }, "salt": { "value": "x" } }""", "salt is not allowed with pbkdf2" },
        { """{ "algorithm": "ldap", "hash": { "value": "{SHA}H5CQsPd3Mi7M+rcAd04YFZWatcg=" }, "salt": { "value": "x" } }""", "salt is not allowed with ldap" },
        { """{ "algorithm": "bcrypt", "hash": { "value": "$2b$05$l3PHxyashazYqeFHgDvnDebmlpEbpzW1cD4qxtp0m9r1F8PVu2gf2", "encoding": "base64" } }""", "hash.encoding must be utf8 for bcrypt" },
        { """{ "algorithm": "md5", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf068", "encoding": "utf8" } }""", "hash.encoding must be hex or base64 for md5" },
        { """{ "algorithm": "hmac", "hash": { "value": "a7d77a8ce222fa37621effa75045b26dbb4741ae45f5033fbd48b6e6e5027d63", "encoding": "hex", "key": { "value": "k3y" } } }""", "an hmac needs hash.digest" },
        { """{ "algorithm": "hmac", "hash": { "value": "a7d77a8ce222fa37621effa75045b26dbb4741ae45f5033fbd48b6e6e5027d63", "encoding": "hex", "digest": "sha256" } }""", "an hmac needs hash.key" },
        { """{ "algorithm": "hmac", "hash": { "value": "a7d77a8ce222fa37621effa75045b26dbb4741ae45f5033fbd48b6e6e5027d63", "encoding": "hex", "digest": "tiger", "key": { "value": "k3y" } } }""", "unknown hash.digest 'tiger'" },
        { """{ "algorithm": "scrypt", "hash": { "value": "097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29", "encoding": "hex" } }""", "scrypt needs keylen" },
        { """{ "algorithm": "scrypt", "hash": { "value": "097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29", "encoding": "hex" }, "keylen": 64 }""", "a scrypt hash is 64 bytes, not 32" },
        { """{ "algorithm": "scrypt", "hash": { "value": "097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29", "encoding": "hex" }, "keylen": 32, "cost": 1000 }""", "scrypt parameters are invalid" },
        { """{ "algorithm": "scrypt", "hash": { "value": "097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29", "encoding": "hex" }, "keylen": 32, "cost": 1073741824 }""", "more memory than allowed" },
        { """{ "algorithm": "scrypt", "hash": { "value": "097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29", "encoding": "hex" }, "keylen": 32, "cost": 16384, "parallelization": 64 }""", "more work than allowed" },

        // Values that do not decode
        { """{ "algorithm": "sha256", "hash": { "value": "not-hex-at-all", "encoding": "hex" } }""", "the hash is not valid hex" },
        { """{ "algorithm": "sha256", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf068", "encoding": "hex" } }""", "a sha256 hash is 32 bytes, not 16" },
        { """{ "algorithm": "md5", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf06" } }""", "neither the hex nor the base64 of 16 bytes" },
        { """{ "algorithm": "md5", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf068", "encoding": "hex" }, "salt": { "value": "zz", "encoding": "hex" } }""", "the salt is not valid hex" },
        { """{ "algorithm": "md5", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf068", "encoding": "hex" }, "salt": { "value": "s", "position": "middle" } }""", "unknown salt.position 'middle'" },
        { """{ "algorithm": "md5", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf068", "encoding": "hex" }, "password": { "encoding": "ebcdic" } }""", "unknown password.encoding 'ebcdic'" },

        // Not a known algorithm: the list of supported ones, never a guess
        { """{ "algorithm": "sha3", "hash": { "value": "d23a1eff2a6b9e664def69b2e49cf068" } }""", "unknown hash algorithm 'sha3' (supported: argon2, bcrypt, hmac, ldap, md4, md5, sha1, sha256, sha512, pbkdf2, scrypt," },
    };

    [Theory]
    [MemberData(nameof(Unverifiable))]
    public void Check_RefusesWhatCannotBeVerified_WithTheReason(string json, string reason)
    {
        var hash = LegacyPasswordHash.FromAuth0(JsonNode.Parse(json)!);

        var check = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Check(hash));
        var verify = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Verify(Password, hash));

        Assert.Contains(reason, check.Message, StringComparison.Ordinal);
        Assert.Equal(check.Message, verify.Message);
        Assert.DoesNotContain(hash.Hash.Value, check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromBcrypt_ReadsAuth0sPasswordHashField()
    {
        // Auth0's password_hash: a bcrypt string; the page's bcrypt example ("hello", cost 10).
        var hash = LegacyPasswordHash.FromBcrypt("$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K");

        Assert.Equal("bcrypt", hash.Format);
        Assert.True(LegacyPasswordVerifier.Verify("hello", hash));
        Assert.False(LegacyPasswordVerifier.Verify("jello", hash));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "algorithm": "bcrypt", "hash": { "value": "$2b$10$nFguVi9LsCAcvTZFKQlRKeLVydo8ETv483lkNsSFI/Wl1Rz1Ypo1K" } }"""),
            hash.ToAuth0()));
    }

    [Theory]
    [InlineData("""{ "algorithm": "md4", "hash": { "value": "AbuUujgF0pPPkJPSFRTpmA==", "encoding": "base64" } }""", "md4")]
    [InlineData("""{ "algorithm": "hmac", "hash": { "value": "cg7f42jH39/2EaAU4wNd4s2lKIk=", "encoding": "base64", "digest": "sha1", "key": { "value": "736868", "encoding": "hex" } } }""", "hmac-sha1")]
    [InlineData("""{ "algorithm": "pbkdf2", "hash": { "value": "$pbkdf2-md4$i=100000,l=64$+N375B8q0Fw$fp2R9KAM4hK" } }""", "pbkdf2-md4")]
    [InlineData("""{ "algorithm": "ldap", "hash": { "value": "{SSHA384}/cgEjdoZh85Dh" } }""", "ldap-ssha384")]
    [InlineData("""{ "algorithm": "argon2", "hash": { "value": "$argon2id$v=19$m=65536" } }""", "argon2id")]
    [InlineData("""{ "algorithm": "scrypt", "hash": { "value": "097f" } }""", "scrypt")]
    [InlineData("""{ "algorithm": "Something Else", "hash": { "value": "097f" } }""", "unknown")]
    public void Format_IsInformative_AndNeverTheHash(string json, string expected)
    {
        Assert.Equal(expected, LegacyPasswordHash.FromAuth0(JsonNode.Parse(json)!).Format);
    }
}
