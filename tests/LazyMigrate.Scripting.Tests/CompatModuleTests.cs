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

    [Fact]
    public async Task Bcrypt_GenSaltThenHashWithCallbacks_RoundTrips()
    {
        var value = await RunAsync("""
            const bcrypt = require('bcrypt@0.8.5');
            bcrypt.genSalt(4, function (err, salt) {
              if (err) return callback(err);
              bcrypt.hash('s3cret', salt, function (err, hash) {
                if (err) return callback(err);
                callback(null, { id: '1', value: [salt.slice(0, 7), hash.indexOf(salt) === 0, bcrypt.compareSync('s3cret', hash), bcrypt.compareSync('wrong', hash), bcrypt.getRounds(hash)] });
              });
            });
            """);

        Assert.Equal("[\"$2a$04$\",true,true,false,4]", value);
    }

    [Fact]
    public async Task Bcrypt_SaltWithTooHighACost_IsRefused()
    {
        var script = "function login(email, password, callback) { require('bcrypt').hash('x', '$2a$20$abcdefghijklmnopqrstuv', callback); }";

        var result = await _scripts.LoginAsync(Sandbox.Connection(script), "ada@example.com", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("rounds must be within 4..14", Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crypto_Pbkdf2WithCallback_FiveAndSixArguments_MatchNode()
    {
        // Five arguments is Node's pre-6 form: SHA-1 (RFC 6070 vector 1). Six: node -e "require('crypto').pbkdf2('password', 'salt', 1, 32, 'sha256', (e, k) => console.log(k.toString('hex')))"
        var value = await RunAsync("""
            const crypto = require('crypto');
            crypto.pbkdf2('password', 'salt', 1, 20, function (err, five) {
              if (err) return callback(err);
              crypto.pbkdf2('password', 'salt', 1, 32, 'sha256', function (err, six) {
                callback(err, { id: '1', value: [five.toString('hex'), six.toString('hex')] });
              });
            });
            """);

        Assert.Equal("[\"0c60c80f961f0e71f3a9b524af6012062fe037a6\",\"120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b\"]", value);
    }

    [Fact]
    public async Task SetTimeout_RunsAfterTheCurrentCode_AndClearTimeoutCancels()
    {
        var value = await RunAsync("""
            const order = [];
            const cancelled = setTimeout(function () { order.push('cancelled'); }, 0);
            setTimeout(function (label) { order.push(label); }, 0, 'first');
            clearTimeout(cancelled);
            setTimeout(function () { order.push('second'); callback(null, { id: '1', value: order }); }, 5);
            order.push('sync');
            """);

        Assert.Equal("[\"sync\",\"first\",\"second\"]", value);
    }

    [Fact]
    public async Task SetTimeout_BeyondTheDeadline_NeverFires_AndTheCallTimesOut()
    {
        var script = "function login(email, password, callback) { setTimeout(function () { callback(null, { id: '1' }); }, 3600000); }";
        var connection = Sandbox.Connection(script) with { Limits = new ScriptLimits { Timeout = TimeSpan.FromMilliseconds(500) } };

        var result = await _scripts.LoginAsync(connection, "ada@example.com", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("did not call back", Sandbox.AssertFailed(result, ScriptFailureReason.Timeout).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AsyncFunctionWithACallback_IsAuth0Style()
    {
        var ct = TestContext.Current.CancellationToken;
        var calls = await _scripts.LoginAsync(Sandbox.Connection("""
            async function login(email, password, callback) {
              const n = await Promise.resolve(7);
              if (password !== 'pw') return callback(new WrongUsernameOrPasswordError(email));
              callback(null, { user_id: String(n), email: email });
            }
            """), "ada@example.com", "pw", new ScriptContext(), ct);
        var refuses = await _scripts.LoginAsync(Sandbox.Connection("""
            async function login(email, password, callback) {
              if (password !== 'pw') return callback(new WrongUsernameOrPasswordError(email));
              callback(null, { user_id: '7' });
            }
            """), "ada@example.com", "nope", new ScriptContext(), ct);
        var throws = await _scripts.LoginAsync(Sandbox.Connection("""
            async function login(email, password, callback) {
              await Promise.resolve();
              throw new Error('broken before calling back');
            }
            """), "ada@example.com", "pw", new ScriptContext(), ct);

        Assert.Equal("7", Sandbox.AssertFound(calls).Id);
        Assert.IsType<ScriptOutcome.WrongPassword>(refuses.Outcome);
        Assert.Contains("broken before calling back", Sandbox.AssertFailed(throws, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VersionedRequires_ResolveToTheModule()
    {
        var value = await RunAsync("""
            callback(null, { id: '1', value: [
              typeof require('bcrypt@0.8.5').compare, typeof require('pg@7.17.1').Client, typeof require('mysql@2.7.0').createConnection,
              typeof require('request@2.81.0').post, typeof require('crypto').createHash] });
            """);

        Assert.Equal("[\"function\",\"function\",\"function\",\"function\",\"function\"]", value);
    }

    [Theory]
    [InlineData("mongodb@3.1.4")]
    [InlineData("mongodb")]
    public async Task MongoDb_IsNotAvailable_AndTheErrorSaysSo(string module)
    {
        var script = $"function login(email, password, callback) {{ const MongoClient = require('{module}').MongoClient; callback(null, {{ id: '1' }}); }}";

        var result = await _scripts.LoginAsync(Sandbox.Connection(script), "ada@example.com", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("MongoDB is not available", Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth0Style_GetsTheOldestGlobals_OtherStylesDoNot()
    {
        var auth0 = await RunAsync("""
            callback(null, { id: '1', value: [
              typeof postgres.connect, typeof mysql.createConnection, typeof request.get, bcrypt.compareSync('x', bcrypt.hashSync('x', 4)),
              crypto.createHash('md5').update('abc').digest('hex'), typeof crypto.verifyPassword, typeof configuration] });
            """);
        var native = await _scripts.LoginAsync(Sandbox.Connection("""
            async function login(email, password, context) {
              return { id: '1', value: [typeof postgres, typeof mysql, typeof request, typeof bcrypt, typeof crypto.verifyPassword, typeof crypto.createHash] };
            }
            """), "ada@example.com", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        // node -e "console.log(require('crypto').createHash('md5').update('abc').digest('hex'))"
        Assert.Equal("[\"function\",\"function\",\"function\",true,\"900150983cd24fb0d6963f7d28e17f72\",\"function\",\"object\"]", auth0);
        Assert.Equal("[\"undefined\",\"undefined\",\"undefined\",\"undefined\",\"function\",\"undefined\"]", Sandbox.AssertFound(native).UserMetadata!["value"]!.ToJsonString());
    }

    [Fact]
    public async Task ErrorInsideAModule_IsReportedOnTheScriptsLine_NamingTheModule()
    {
        var script = "function login(email, password, callback) {\n  const crypto = require('crypto');\n\n  const hash = crypto.createHash('no-such-digest').update(password).digest('hex');\n  callback(null, { id: hash });\n}";

        var result = await _scripts.LoginAsync(Sandbox.Connection(script), "ada@example.com", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError);
        Assert.Contains("compatibility module 'crypto'", failed.Message, StringComparison.Ordinal);
        Assert.Equal(4, failed.Line);
    }

    [Fact]
    public async Task AuthingContext_CarriesTheFieldsAuthingDocuments()
    {
        var script = "async function login(query, password, context) { return { id: '1', value: [context.request.ip, context.userPoolId === context.connection, context.protocol] }; }";

        var result = await _scripts.LoginAsync(Sandbox.Connection(script), "ada@example.com", "pw", new ScriptContext { Ip = "203.0.113.9" }, TestContext.Current.CancellationToken);

        Assert.Equal("[\"203.0.113.9\",true,\"oidc\"]", Sandbox.AssertFound(result).UserMetadata!["value"]!.ToJsonString());
    }
}
