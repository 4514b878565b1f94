using LazyMigrate.Scripting;
using Microsoft.Extensions.Logging;

namespace LazyMigrate.Scripting.Tests;

/// <summary>Scripts that try hard to leak the password or a secret setting: neither reaches any log or message.</summary>
public sealed class PasswordFreeLogTests
{
    private const string Secret = "Sekret-Setting-0042";

    public static TheoryData<string> LeakyScripts =>
    [
        "async function login(email, password) { log.info('password is', password); console.log({ password: password }); log.warn('secret ' + configuration.API_KEY); return { id: '1', note: 'ok' }; }",
        "async function login(email, password) { throw new Error('bad password ' + password + ' / ' + env.API_KEY); }",
        "function login(email, password, callback) { console.error(password); callback(new ValidationError('x', 'rejected ' + password)); }",
        "async function login(email, password) { log.error(password.split('').join('')); await crypto.verifyPassword(password, password); }",
        "async function login(email, password) { log.info(password); while (true) {} }",
        "async function login(email, password) { log.info(configuration); return { id: password }; }",
    ];

    [Theory]
    [MemberData(nameof(LeakyScripts))]
    public async Task TheDistinctivePassword_NeverAppearsInLogsOrMessages(string script)
    {
        var logger = new CapturingLogger();
        var scripts = new LegacyUserScripts(logger: logger);
        var connection = Sandbox.Connection(script, c => c with
        {
            Settings = new Dictionary<string, string> { ["API_KEY"] = Secret },
            SecretSettings = new HashSet<string> { "API_KEY" },
            Limits = new ScriptLimits { Timeout = TimeSpan.FromSeconds(2) },
        });

        var result = await scripts.LoginAsync(connection, "ada@example.com", Sandbox.Password, new ScriptContext(), TestContext.Current.CancellationToken);

        var everything = string.Join("\n", result.Logs.Select(l => l.Message))
            + "\n" + (result.Outcome as ScriptOutcome.Failed)?.Message
            + "\n" + logger.Text;
        Assert.DoesNotContain(Sandbox.Password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, everything, StringComparison.Ordinal);
        Assert.NotEmpty(logger.Text);
    }

    private sealed class CapturingLogger : ILogger<LegacyUserScripts>
    {
        private readonly System.Text.StringBuilder _text = new();

        public string Text
        {
            get
            {
                lock (_text)
                {
                    return _text.ToString();
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_text)
            {
                _text.AppendLine(formatter(state, exception)).AppendLine(exception?.ToString());
            }
        }
    }
}
