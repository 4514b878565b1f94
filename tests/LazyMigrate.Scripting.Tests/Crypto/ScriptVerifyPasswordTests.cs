using LazyMigrate.Scripting;

namespace LazyMigrate.Scripting.Tests.Crypto;

/// <summary>
/// <c>crypto.verifyPassword</c> in scripts runs the same reading and verifier as bulk import: Auth0's
/// <c>custom_password_hash</c> objects (its documented examples among them), named formats, prefixes, and the earlier
/// descriptor forms scripts already use.
/// </summary>
public sealed class ScriptVerifyPasswordTests
{
    private readonly LegacyUserScripts _scripts = new();

    /// <summary>Runs <paramref name="expression"/> (a Promise) in a login script and returns what it resolved to, as JSON.</summary>
    private async Task<string> RunAsync(string expression)
    {
        var script = $$"""
            async function login(email, password, context) {
              const value = await ({{expression}});
              return { id: '1', email: email, user_metadata: { value: value } };
            }
            """;
        var result = await _scripts.LoginAsync(Sandbox.Connection(script), "ada@example.com", "unused", new ScriptContext(), TestContext.Current.CancellationToken);
        return Sandbox.AssertFound(result).UserMetadata!["value"]!.ToJsonString();
    }

    private async Task<string> FailureAsync(string expression)
    {
        var script = $$"""
            async function login(email, password, context) {
              await ({{expression}});
              return { id: '1', email: email };
            }
            """;
        var result = await _scripts.LoginAsync(Sandbox.Connection(script), "ada@example.com", "unused", new ScriptContext(), TestContext.Current.CancellationToken);
        return Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message;
    }

    [Fact]
    public async Task Auth0sDocumentedExamples_VerifyAsDescriptors()
    {
        // Auth0's "Bulk User Import Database Schema and Examples" (see Auth0CustomPasswordHashTests): hash.key read,
        // hex scrypt not taken for PHC, md4 and {SSHA384} known.
        var value = await RunAsync("""
            Promise.all([
              crypto.verifyPassword('test', 'cg7f42jH39/2EaAU4wNd4s2lKIk=', { algorithm: 'hmac', hash: { encoding: 'base64', digest: 'sha1', key: { value: '736868', encoding: 'hex' } } }),
              crypto.verifyPassword('password', '097f6197e1b41538f723e32aa7a68e8d76227d8e432ce5faa4882a913032db29', { algorithm: 'scrypt', hash: { encoding: 'hex' }, salt: { value: 'abc123', encoding: 'utf8' }, keylen: 32, cost: 4096 }),
              crypto.verifyPassword('shh', 'AbuUujgF0pPPkJPSFRTpmA==', { algorithm: 'md4', hash: { encoding: 'base64' } }),
              crypto.verifyPassword('shh', '{SSHA384}/cgEjdoZh85DhurDeOQEMO1rMlAur93SVPbYe5XSD4lF7nNuvrBju5hUeg9A6agRemgSXGl5YuE=', { algorithm: 'ldap' }),
              crypto.verifyPassword('tset', 'cg7f42jH39/2EaAU4wNd4s2lKIk=', { algorithm: 'hmac', hash: { encoding: 'base64', digest: 'sha1', key: { value: '736868', encoding: 'hex' } } }),
            ])
            """);

        Assert.Equal("[true,true,true,true,false]", value);
    }

    [Fact]
    public async Task AWholeCustomPasswordHash_CanBeTheDescriptor_WithItsOwnValue()
    {
        // A row's custom_password_hash as the legacy database or a file has it: hash.value inside, no hash argument.
        // Node: sha256(Buffer.from('s4lt'), Buffer.from('corrèct hörse 9€', 'utf16le')) in hex.
        var value = await RunAsync("""
            Promise.all([
              crypto.verifyPassword('corrèct hörse 9€', null, { algorithm: 'sha256', hash: { value: '069641516129785588078dd21fdc3bb03928b4dab745915f6fce8c27a847d29a', encoding: 'hex' }, salt: { value: 's4lt' }, password: { encoding: 'utf16le' } }),
              crypto.verifyPassword('corrèct hörse 9€', null, { algorithm: 'sha256', hash: { value: '069641516129785588078dd21fdc3bb03928b4dab745915f6fce8c27a847d29a', encoding: 'hex' }, salt: { value: 's4lt' } }),
            ])
            """);

        Assert.Equal("[true,false]", value);
    }

    [Fact]
    public async Task EarlierCallForms_KeepWorking()
    {
        var value = await RunAsync("""
            Promise.all([
              // a prefix tells the format (htpasswd's bcrypt)
              crypto.verifyPassword('correct horse 9', '$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC'),
              // a named format (hashlib.md5(b'correct horse 9').hexdigest())
              crypto.verifyPassword('correct horse 9', 'd23a1eff2a6b9e664def69b2e49cf068', 'md5'),
              // the demo database's salted SHA-256, as the templates and benchmarks write it
              crypto.verifyPassword('correct horse 9', '44da678e679200203f61a0a5c03eaee2c05f6a8e37aec80edb7619a27deebdba', { algorithm: 'sha256', hash: { encoding: 'hex' }, salt: { value: 's4lt', encoding: 'utf8', position: 'prefix' } }),
              // algorithm 'hmac-sha256' with a top-level key (hmac.new(b'k3y', b'correct horse 9', sha256).hexdigest())
              crypto.verifyPassword('correct horse 9', 'a7d77a8ce222fa37621effa75045b26dbb4741ae45f5033fbd48b6e6e5027d63', { algorithm: 'hmac-sha256', key: { value: 'k3y' } }),
              // algorithm 'pbkdf2-sha256' with iterations and keylen (hashlib.pbkdf2_hmac('sha256', P, b's4lt', 1000, 32).hex())
              crypto.verifyPassword('correct horse 9', '307897651ee751c4d7d4e603ea1ed3326b83f7105aee8952b66d582a0e5553f6', { algorithm: 'pbkdf2-sha256', salt: { value: 's4lt' }, iterations: 1000, keylen: 32 }),
              // ASP.NET Membership's "PasswordSalt:Password"
              crypto.verifyPassword('correct horse 9', 'AAECAwQFBgcICQoLDA0ODw==:/bzakMgGuqIjmr2K93Zmz5gP3NA=', 'aspnet-membership'),
              crypto.verifyPassword('correct horse 8', 'd23a1eff2a6b9e664def69b2e49cf068', 'md5'),
            ])
            """);

        Assert.Equal("[true,true,true,true,true,true,false]", value);
    }

    [Fact]
    public async Task NewFormats_AreThereForScriptsToo()
    {
        var value = await RunAsync("""
            Promise.all([
              crypto.verifyPassword('correct horse 9', '$6$s4lt$KLBPSdQYOvqCsxF3ajtuBGHBrfYDTFdnAO83Q.3TE3MlboNH7okenedWnBR.3dFisCnC92D9HlQZo8XeffkEy1'),
              crypto.verifyPassword('correct horse 9', '$S$DD4/tavbEqo7gIOKsxrNx8AQth.N8qABp1CDpxQ09XTYbKW9yH9P'),
              crypto.verifyPassword('user1password', 'lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==', {
                algorithm: 'firebase-scrypt', hash: { encoding: 'base64' }, salt: { value: '42xEC+ixf3L2lw==', encoding: 'base64' },
                parameters: { signer_key: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==', salt_separator: 'Bw==', rounds: 8, mem_cost: 14 } }),
            ])
            """);

        Assert.Equal("[true,true,true]", value);
    }

    [Fact]
    public async Task AnUnreadableDescriptor_IsAnErrorWithTheReason_NotAWrongPassword()
    {
        var unknown = await FailureAsync("crypto.verifyPassword('x', '00', { algorithm: 'sha3' })");
        var typo = await FailureAsync("crypto.verifyPassword('x', '00', { algorithm: 'md5', salt: { value: 's', encodng: 'hex' } })");
        var capped = await FailureAsync("crypto.verifyPassword('x', '$2b$17$l3PHxyashazYqeFHgDvnDebmlpEbpzW1cD4qxtp0m9r1F8PVu2gf2')");

        Assert.Contains("unknown hash algorithm 'sha3' (supported: argon2, bcrypt, hmac", unknown, StringComparison.Ordinal);
        Assert.Contains("custom_password_hash.salt has a property Auth0 does not define: 'encodng'", typo, StringComparison.Ordinal);
        Assert.Contains("bcrypt cost 17 is above the cap of 16", capped, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Digests_AreThereForScripts_IncludingMd4()
    {
        // node --openssl-legacy-provider -e "console.log(require('crypto').createHash('md4').update('correct horse 9').digest('base64'))"
        var value = await RunAsync("Promise.resolve([crypto.hash('md4', 'correct horse 9', 'base64'), crypto.hmac('ripemd160', 'k3y', 'correct horse 9')])");

        Assert.Equal("[\"JWTcENzzMlVAV/QThlbFgg==\",\"0b606a84878d19e0e9de0c83d5afa7c1cbc77385\"]", value);
    }
}
