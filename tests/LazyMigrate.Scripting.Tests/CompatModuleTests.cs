using LazyMigrate.Scripting;

namespace LazyMigrate.Scripting.Tests;

/// <summary>The Node-compatible modules Auth0 scripts require, checked against Node's own answers.</summary>
public sealed class CompatModuleTests
{
    private readonly LegacyUserScripts _scripts = new();

    private async Task<string> RunAsync(string body)
    {
        var script = "function login(email, password, callback) {\n" + body + "\n}";
        var result = await _scripts.LoginAsync(Sandbox.Connection(script), "ada@example.com", "pw", new ScriptContext(), TestContext.Current.CancellationToken);
        return Sandbox.AssertFound(result).UserMetadata!["value"]!.ToJsonString();
    }

    [Fact]
    public async Task Crypto_CreateHashAndHmac_MatchNode()
    {
        // node -e "const c=require('crypto'); console.log(c.createHash('sha256').update('abc').digest('hex'))"
        var hash = await RunAsync("const crypto = require('crypto'); callback(null, { id: '1', value: crypto.createHash('sha256').update('a').update('bc').digest('hex') });");
        // node -e "console.log(require('crypto').createHmac('sha1', 'key').update('The quick brown fox jumps over the lazy dog').digest('base64'))"
        var hmac = await RunAsync("const crypto = require('crypto'); callback(null, { id: '1', value: crypto.createHmac('sha1', 'key').update('The quick brown fox jumps over the lazy dog').digest('base64') });");

        Assert.Equal("\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"", hash);
        Assert.Equal("\"3nybhbi3iqa8ino29wqQcBydtNk=\"", hmac);
    }

    [Fact]
    public async Task Crypto_Pbkdf2SyncRandomBytesAndTimingSafeEqual_BehaveLikeNode()
    {
        // node -e "console.log(require('crypto').pbkdf2Sync('password', 'salt', 1, 20, 'sha1').toString('hex'))" (RFC 6070 vector 1)
        var derived = await RunAsync("const c = require('crypto'); callback(null, { id: '1', value: c.pbkdf2Sync('password', 'salt', 1, 20, 'sha1').toString('hex') });");
        var random = await RunAsync("const c = require('crypto'); callback(null, { id: '1', value: [c.randomBytes(16).length, c.randomBytes(8).toString('hex').length] });");
        var equal = await RunAsync("const c = require('crypto'); callback(null, { id: '1', value: [c.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')), c.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd'))] });");

        Assert.Equal("\"0c60c80f961f0e71f3a9b524af6012062fe037a6\"", derived);
        Assert.Equal("[16,16]", random);
        Assert.Equal("[true,false]", equal);
    }

    [Fact]
    public async Task Buffer_ConvertsBetweenEncodings()
    {
        var value = await RunAsync("callback(null, { id: '1', value: [Buffer.from('aGVsbG8=', 'base64').toString('utf8'), Buffer.from('hello').toString('hex'), Buffer.isBuffer(Buffer.from('x'))] });");

        Assert.Equal("[\"hello\",\"68656c6c6f\",true]", value);
    }

    [Fact]
    public async Task Bcrypt_HashThenCompare_RoundTrips()
    {
        var value = await RunAsync("""
            const bcrypt = require('bcryptjs');
            const hash = bcrypt.hashSync('s3cret', 4);
            bcrypt.compare('s3cret', hash, function (err, ok) {
              callback(err, { id: '1', value: [ok, bcrypt.compareSync('wrong', hash), hash.slice(0, 7)] });
            });
            """);

        Assert.Equal("[true,false,\"$2a$04$\"]", value);
    }
}
