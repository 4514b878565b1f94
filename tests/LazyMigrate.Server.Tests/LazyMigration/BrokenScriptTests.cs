using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.LazyMigration;

/// <summary>The <c>legacy</c> connection's login script replaced by one that loops for some users and breaks for others.</summary>
public sealed class BrokenScriptServerFixture : LegacyServerFixture
{
    private readonly string _script = Path.Combine(Path.GetTempPath(), $"broken-login-{Guid.NewGuid():N}.js");

    // Generous: the loop must trip the statement limit (a million statements, well under a second even on a loaded
    // machine), never the deadline; only the hanging script waits this long.
    protected override TimeSpan Timeout => TimeSpan.FromSeconds(15);

    public override async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(_script, """
            async function login(email, password, context) {
              if (email.startsWith('loop')) { while (true) { } }
              if (email.startsWith('hang')) { await new Promise(() => { }); }
              if (email.startsWith('broken')) { const user = null; return user.profile; }
              return null;
            }
            """);
        await base.InitializeAsync();
    }

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in ConnectionSettings(0, "legacy", Legacy.ConnectionString, Timeout, _script))
        {
            settings[key] = value;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        File.Delete(_script);
    }
}

public class BrokenScriptTests(BrokenScriptServerFixture fixture) : IClassFixture<BrokenScriptServerFixture>
{
    [Theory]
    [InlineData("hang", "Timeout")]
    [InlineData("loop", "StatementLimit")]
    [InlineData("broken", "ScriptError")]
    public async Task AFailingLoginScript_SaysTryAgainLater_CreatesNoUser_AndIsAuditedWithItsReason(string prefix, string reason)
    {
        var email = $"{prefix}-{Guid.NewGuid():N}@legacy.example";
        using var browser = fixture.CreateBrowser();

        var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), email, "Zebra-Script-Failure-49");

        Assert.Contains("<li>We can&#x27;t sign you in right now", page.Html, StringComparison.Ordinal);
        var ct = TestContext.Current.CancellationToken;
        var normalised = email.ToUpperInvariant();
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == normalised, ct)));
        Assert.True(await fixture.WithDatabaseAsync(db => db.AuditEvents.AnyAsync(a => a.Type == AuditEventType.ScriptFailed && a.Reason == reason, ct)));
        Assert.DoesNotContain("Zebra-Script-Failure-49", fixture.Log.Text, StringComparison.Ordinal);
    }
}
