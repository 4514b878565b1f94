using LazyMigrate.Scripting;

namespace LazyMigrate.Scripting.Tests;

/// <summary>What a script can see and how the sandbox treats callers: context, settings, templates, the bulkhead.</summary>
public sealed class SandboxBehaviourTests
{
    private readonly LegacyUserScripts _scripts = new();

    [Fact]
    public async Task Context_AndSettings_AreVisible_AndSettingsAreReadOnly()
    {
        const string script = """
            async function login(email, password, context) {
              let writable = true;
              try { configuration.PLAN = 'changed'; } catch (e) { writable = false; }
              return { id: '1', value: [context.connection, context.dryRun, context.clientId, configuration.PLAN, env.PLAN, writable] };
            }
            """;
        var connection = Sandbox.Connection(script, c => c with { Name = "legacy-shop", Settings = new Dictionary<string, string> { ["PLAN"] = "gold" } });

        var result = await _scripts.LoginAsync(connection, "ada@example.com", "pw", new ScriptContext { DryRun = true, ClientId = "console" }, TestContext.Current.CancellationToken);

        Assert.Equal("[\"legacy-shop\",true,\"console\",\"gold\",\"gold\",false]", Sandbox.AssertFound(result).UserMetadata!["value"]!.ToJsonString());
    }

    [Fact]
    public async Task Profile_IsNormalised_FromAuth0Names()
    {
        const string script = """
            function getByEmail(email, callback) {
              callback(null, { user_id: 12345, email: '  Ada.Lovelace@EXAMPLE.com ', email_verified: 'true', given_name: 'Ada', family_name: 'Lovelace',
                phone_number: '+44 20 7946 0001', user_metadata: { theme: 'dark' }, app_metadata: { roles: ['admin'] }, favourite: 'engines' });
            }
            """;

        var result = await _scripts.GetUserAsync(Sandbox.Connection(script), "ada.lovelace@example.com", new ScriptContext(), TestContext.Current.CancellationToken);

        var profile = Sandbox.AssertFound(result);
        Assert.Equal("12345", profile.Id);
        Assert.Equal("Ada.Lovelace@example.com", profile.Email);
        Assert.True(profile.EmailVerified);
        Assert.Equal("Lovelace", profile.FamilyName);
        Assert.Equal("+44 20 7946 0001", profile.PhoneNumber);
        Assert.Equal("{\"theme\":\"dark\",\"favourite\":\"engines\"}", profile.UserMetadata!.ToJsonString());
        Assert.Equal("{\"roles\":[\"admin\"]}", profile.AppMetadata!.ToJsonString());
    }

    [Theory]
    [InlineData("return { email: 'a@b.example' };", "no id")]
    [InlineData("return { id: '1', email: 'not an address' };", "email")]
    [InlineData("return 'yes';", "profile object")]
    public async Task InvalidProfiles_AreRefused(string body, string expected)
    {
        var result = await _scripts.LoginAsync(Sandbox.Connection("async function login() { " + body + " }"), "a@b.example", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains(expected, Sandbox.AssertFailed(result, ScriptFailureReason.InvalidProfile).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingScript_IsNotConfigured()
    {
        var connection = new LegacyConnection { Name = "empty" };

        var result = await _scripts.GetUserAsync(connection, "a@b.example", new ScriptContext(), TestContext.Current.CancellationToken);

        Sandbox.AssertFailed(result, ScriptFailureReason.NotConfigured);
    }

    [Fact]
    public void EveryTemplate_Parses_AndDefinesLoginAndGetUser()
    {
        foreach (var name in ScriptTemplates.Names)
        {
            var source = ScriptTemplates.Get(name);

            Assert.True(_scripts.Validate(source).IsValid, name);
            Assert.Contains("async function login(", source, StringComparison.Ordinal);
            Assert.Contains("async function getUser(", source, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task FullBulkhead_FailsFastAsLegacyUnavailable()
    {
        // The first call holds the only slot inside a query that never answers; the test waits for it to get there.
        var database = new HangingDatabase();
        var scripts = new LegacyUserScripts(database);
        var connection = Sandbox.Connection("async function login() { await db.query('SELECT 1', []); }", c => c with
        {
            DatabaseProvider = LegacyDatabaseProvider.Sqlite,
            DatabaseConnectionString = "Data Source=:memory:",
            Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(3), MaxConcurrentCalls = 1, MaxQueuedCalls = 0 },
        });
        var occupying = scripts.LoginAsync(connection, "a@b.example", "pw", new ScriptContext(), TestContext.Current.CancellationToken);
        await database.Entered.Task.WaitAsync(TestContext.Current.CancellationToken);

        var rejected = await scripts.LoginAsync(connection, "a@b.example", "pw", new ScriptContext(), TestContext.Current.CancellationToken);

        Assert.Contains("too many calls", Sandbox.AssertFailed(rejected, ScriptFailureReason.LegacyUnavailable).Message, StringComparison.Ordinal);
        Sandbox.AssertFailed(await occupying, ScriptFailureReason.Timeout);
    }

    [Fact]
    public async Task CallerCancellation_IsNotAnOutcome()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var connection = Sandbox.Connection("async function login() { await new Promise(function () {}); }");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _scripts.LoginAsync(connection, "a@b.example", "pw", new ScriptContext(), cancel.Token));
    }

    /// <summary>A legacy database whose queries never answer; <see cref="Entered"/> says a query has started.</summary>
    private sealed class HangingDatabase : LazyMigrate.Scripting.Legacy.ILegacyDatabaseFactory, LazyMigrate.Scripting.Legacy.ILegacyDatabase
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LazyMigrate.Scripting.Legacy.ILegacyDatabase Open(LegacyDatabaseProvider provider, string connectionString) => this;

        public async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> QueryAsync(string sql, IReadOnlyList<object?> parameters, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return [];
        }
    }
}
