using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.Workers;

namespace LazyMigrate.Scripting.Tests;

/// <summary>
/// What <c>listUsers</c> may return and how the sandbox reads it: the page must be well formed, a bad entry is refused
/// on its own with its reason, and a hash never lands in a profile's metadata.
/// </summary>
public sealed class ListUsersScriptTests(SandboxPoolFixture pool) : IClassFixture<SandboxPoolFixture>
{
    // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
    private const string BcryptHash = "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC";

    private readonly LegacyUserScripts _scripts = new();

    // A generous deadline: no test here is about the deadline, and a sandbox worker's start on a busy machine counts against it.
    private static LegacyConnection Connection(string script) => new()
    {
        Name = "list-" + Guid.NewGuid().ToString("N"),
        ListUsersScript = script,
        Limits = new ScriptLimits { Timeout = TimeSpan.FromMinutes(1) },
    };

    private Task<ScriptResult> ListAsync(string script, string? cursor = null, int limit = 10, ILegacyUserScripts? scripts = null) =>
        (scripts ?? _scripts).ListUsersAsync(Connection(script), cursor, limit, new ScriptContext(), TestContext.Current.CancellationToken);

    private static ScriptOutcome.Listed AssertListed(ScriptResult result)
    {
        Assert.True(result.Outcome is ScriptOutcome.Listed, $"expected a page, got {result.Outcome}");
        return (ScriptOutcome.Listed)result.Outcome;
    }

    [Fact]
    public async Task ListUsers_GetsItsCursorAndLimit_AndReturnsTheNextCursor()
    {
        var page = AssertListed(await ListAsync("""
            async function listUsers(cursor, limit, context) {
              return { users: [{ id: 'c-' + cursor, email: 'a@legacy.example' }, { id: 'l-' + limit }], nextCursor: 'after-' + cursor };
            }
            """, cursor: "41", limit: 2));

        Assert.Equal(["c-41", "l-2"], page.Users.Select(u => u.Profile!.Id));
        Assert.Equal("after-41", page.NextCursor);
        Assert.All(page.Users, u => Assert.Null(u.Refusal));
    }

    [Fact]
    public async Task ListUsers_FirstPage_GetsANullCursor_AndAnAbsentNextCursorEndsTheList()
    {
        var page = AssertListed(await ListAsync("async function listUsers(cursor, limit) { return { users: [{ id: String(cursor === null) }] }; }"));

        Assert.Equal("true", Assert.Single(page.Users).Profile!.Id);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListUsers_Hashes_AreReadAsLegacyHashes_AndNeverKeptInMetadata()
    {
        var page = AssertListed(await ListAsync($$"""
            async function listUsers(cursor, limit) {
              return { users: [
                { id: '1', email: 'bcrypt@legacy.example', passwordHash: '{{BcryptHash}}', shoeSize: 42 },
                { id: '2', email: 'salted@legacy.example', customPasswordHash: { algorithm: 'sha256', hash: { value: 'ab', encoding: 'hex' }, salt: { value: 's', position: 'prefix' } } },
                { id: '3', email: 'auth0@legacy.example', custom_password_hash: { algorithm: 'md5', hash: { value: 'cd', encoding: 'hex' } } },
                { id: '4', email: 'none@legacy.example' },
              ], nextCursor: null };
            }
            """));

        var users = page.Users.ToDictionary(u => u.Profile!.Id);
        Assert.Equal("bcrypt", users["1"].PasswordHash!.Algorithm);
        Assert.True(LegacyPasswordVerifier.Verify("correct horse 9", users["1"].PasswordHash!));
        Assert.Equal("sha256", users["2"].PasswordHash!.Algorithm);
        Assert.Equal("prefix", users["2"].PasswordHash!.Salt!.Position);
        Assert.Equal("md5", users["3"].PasswordHash!.Algorithm);
        Assert.Null(users["4"].PasswordHash);
        // Unknown fields go to user metadata as with every profile, the hash fields never.
        Assert.Equal(42, users["1"].Profile!.UserMetadata!["shoeSize"]!.GetValue<double>());
        foreach (var user in page.Users)
        {
            var metadata = user.Profile!.UserMetadata?.ToJsonString() ?? "";
            Assert.DoesNotContain("Hash", metadata, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(BcryptHash, metadata, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ListUsers_BadEntries_AreRefusedWithTheirReason_TheRestOfThePageStands()
    {
        var page = AssertListed(await ListAsync("""
            async function listUsers(cursor, limit) {
              return { users: [
                { id: '1', email: 'fine@legacy.example' },
                'not an object',
                { email: 'no-id@legacy.example' },
                { id: '4', email: 'not an address' },
                { id: '5', email: 'unknown-format@legacy.example', passwordHash: 'plainly-not-a-hash' },
                { id: '6', email: 'both@legacy.example', passwordHash: '$2y$05$x', customPasswordHash: { algorithm: 'md5', hash: { value: 'cd' } } },
                { id: '7', email: 'number@legacy.example', passwordHash: 12345 },
              ], nextCursor: 'n' };
            }
            """));

        Assert.Equal(7, page.Users.Count);
        Assert.Null(page.Users[0].Refusal);
        Assert.Equal(["InvalidProfile", "InvalidProfile", "InvalidProfile", "InvalidHash", "InvalidHash", "InvalidHash"], page.Users.Skip(1).Select(u => u.Refusal!.Reason));
        Assert.Null(page.Users[2].LegacyId);
        Assert.Equal(["4", "5", "6", "7"], page.Users.Skip(3).Select(u => u.LegacyId));
        Assert.Contains("cannot tell the hash format", page.Users[4].Refusal!.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("plainly-not-a-hash", page.Users[4].Refusal!.Detail, StringComparison.Ordinal);
        Assert.Contains("both", page.Users[5].Refusal!.Detail, StringComparison.Ordinal);
        Assert.Equal("n", page.NextCursor);
    }

    [Theory]
    [InlineData("return { users: [{ id: '1' }, { id: '2' }, { id: '3' }] };", "at most 2")]
    [InlineData("return [{ id: '1' }];", "{users: [...], nextCursor}")]
    [InlineData("return { users: 'many' };", "{users: [...], nextCursor}")]
    [InlineData("return { users: [], nextCursor: { page: 2 } };", "nextCursor must be")]
    [InlineData("return { users: [], nextCursor: 'x'.repeat(2000) };", "longer than 1024")]
    public async Task ListUsers_AMalformedPage_FailsTheCall(string body, string expected)
    {
        var result = await ListAsync("async function listUsers(cursor, limit) { " + body + " }", limit: 2);

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.InvalidProfile);
        Assert.Contains(expected, failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListUsers_AnOversizedPage_IsRefusedBeforeTheHostAllocatesIt()
    {
        // 1,000 users of 8 KB each: over the 4 Mi characters one conversion takes.
        var result = await ListAsync("async function listUsers(c, limit) { const pad = 'x'.repeat(8192); return { users: Array.from({ length: limit }, (_, i) => ({ id: String(i), note: pad })) }; }", limit: 1000);

        var failed = Sandbox.AssertFailed(result, ScriptFailureReason.InvalidProfile);
        Assert.Contains("too large", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListUsers_TheLimitGiven_IsNeverAboveTheMaximumPage()
    {
        var page = AssertListed(await ListAsync("async function listUsers(c, limit) { return { users: [{ id: String(limit) }] }; }", limit: 1_000_000));

        Assert.Equal(ListUsersLimits.MaxPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(page.Users).Profile!.Id);
    }

    [Fact]
    public async Task ListUsers_CallbackStyle_Works()
    {
        var page = AssertListed(await ListAsync("function listUsers(cursor, limit, callback) { callback(null, { users: [{ user_id: 'cb', email: 'cb@legacy.example' }], nextCursor: 'next' }); }"));

        Assert.Equal("cb", Assert.Single(page.Users).Profile!.Id);
        Assert.Equal("next", page.NextCursor);
    }

    [Fact]
    public async Task ListUsers_ThrowingWrongPassword_IsAScriptError_NotAnEmptyPage()
    {
        var result = await ListAsync("async function listUsers() { throw new WrongUsernameOrPasswordError('x'); }");

        Sandbox.AssertFailed(result, ScriptFailureReason.ScriptError);
    }

    [Fact]
    public async Task ListUsers_WithoutTheScript_IsNotConfigured()
    {
        var result = await _scripts.ListUsersAsync(new LegacyConnection { Name = "none" }, null, 10, new ScriptContext(), TestContext.Current.CancellationToken);

        Sandbox.AssertFailed(result, ScriptFailureReason.NotConfigured);
    }

    [Fact]
    public void Validate_AcceptsAScriptDefiningOnlyListUsers()
    {
        Assert.True(LegacyUserScripts.ValidateScript("async function listUsers(cursor, limit, context) { return { users: [] }; }").IsValid);
    }

    [Fact]
    public async Task ListUsers_ThroughASandboxWorkerProcess_KeepsEntriesHashesAndRefusals()
    {
        var scripts = new SandboxedLegacyUserScripts(pool.Pool);

        var page = AssertListed(await ListAsync($$"""
            async function listUsers(cursor, limit) {
              return { users: [
                { id: '1', email: 'a@legacy.example', givenName: 'Ada', passwordHash: '{{BcryptHash}}', userMetadata: { plan: 'pro' } },
                { id: '2', email: 'b@legacy.example', customPasswordHash: { algorithm: 'hmac', hash: { value: 'ab', encoding: 'hex', digest: 'sha256', key: { value: 'k', encoding: 'utf8' } } } },
                { id: '3', email: 'bad' },
              ], nextCursor: cursor + '!' };
            }
            """, cursor: "c", scripts: scripts));

        Assert.Equal("c!", page.NextCursor);
        Assert.Equal("Ada", page.Users[0].Profile!.GivenName);
        Assert.Equal("pro", page.Users[0].Profile!.UserMetadata!["plan"]!.GetValue<string>());
        Assert.True(LegacyPasswordVerifier.Verify("correct horse 9", page.Users[0].PasswordHash!));
        Assert.Equal("k", page.Users[1].PasswordHash!.Hash.Key!.Value);
        Assert.Equal("InvalidProfile", page.Users[2].Refusal!.Reason);
        Assert.Equal("3", page.Users[2].LegacyId);
    }
}
