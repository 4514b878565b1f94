using System.Text.RegularExpressions;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Email;

public sealed partial class EmailOutboxTests(MailOutboxFixture fixture) : IClassFixture<MailOutboxFixture>
{
    [Fact]
    public async Task ResetRequest_OutlivesTheNodesThatStoppedBeforeSending_AndTheNextNodeSendsIt()
    {
        var user = await fixture.Server.Services.CreateUserAsync();

        // The page answered: the request is in PostgreSQL, on a node that will never handle it.
        await RequestResetAsync(fixture.Server, user.Email);
        Assert.Equal(1, await fixture.WithDatabaseAsync(db => db.PasswordResetRequests.CountAsync(r => r.Email == user.Email, Ct)));

        // A node handles the request, then stops before sending: the message waits in the outbox, its link protected.
        await using (var handler = fixture.CreateNode(handlesRequests: true, sendsMail: false))
        {
            _ = handler.Server;
            await Wait.ForAsync(() => fixture.WithDatabaseAsync(db => db.OutgoingEmails.CountAsync(m => m.To == user.Email, Ct)), count => count == 1);
        }

        var queued = await fixture.WithDatabaseAsync(db => db.OutgoingEmails.AsNoTracking().SingleAsync(m => m.To == user.Email, Ct));
        Assert.Equal(0, await fixture.WithDatabaseAsync(db => db.PasswordResetRequests.CountAsync(r => r.Email == user.Email, Ct)));
        Assert.DoesNotContain("ResetPassword", queued.ProtectedBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("token", queued.ProtectedBody, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await MailTo.BodyAsync(fixture.MailDirectory, user.Email));

        // A new node on the same database sends it, and the message (link and all) leaves the database.
        await using (var sender = fixture.CreateNode(handlesRequests: true, sendsMail: true))
        {
            _ = sender.Server;
            var body = await Wait.ForAsync(() => MailTo.BodyAsync(fixture.MailDirectory, user.Email), b => b is not null);
            var link = ResetLink().Match(body!).Value;
            Assert.NotEmpty(link);
            await Wait.ForAsync(() => fixture.WithDatabaseAsync(db => db.OutgoingEmails.CountAsync(m => m.To == user.Email, Ct)), count => count == 0);

            // The link works, and it never reached the log.
            var token = new Uri(link).Query;
            Assert.DoesNotContain(token, fixture.Log.Text, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.UnescapeDataString(token), fixture.Log.Text, StringComparison.Ordinal);
        }

        Assert.Single(Directory.GetFiles(fixture.MailDirectory, "*.eml"), file => File.ReadAllText(file).Contains(user.Email, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task FailedSend_IsTriedAgain_AndTheMessageArrivesOnceSendingWorks()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        // A file where the pickup folder should be: every write fails until it is removed, like a relay that is down.
        var folder = Path.Combine(Path.GetTempPath(), $"lazymigrate-blocked-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(folder, "not a folder", Ct);
        await using var node = fixture.CreateNode(handlesRequests: true, sendsMail: true, new Dictionary<string, string?>
        {
            ["LazyMigrate:Email:PickupDirectory"] = folder,
            ["LazyMigrate:Email:Outbox:RetryDelay"] = "00:00:00.100",
            ["LazyMigrate:Email:Outbox:MaxAttempts"] = "1000",
        });
        _ = node.Server;

        await RequestResetAsync(fixture.Server, user.Email);
        await Wait.ForAsync(() => fixture.WithDatabaseAsync(db => db.OutgoingEmails.Where(m => m.To == user.Email).Select(m => m.Attempts).SingleOrDefaultAsync(Ct)), attempts => attempts >= 2);

        File.Delete(folder);
        var body = await Wait.ForAsync(() => MailTo.BodyAsync(folder, user.Email), b => b is not null);
        Assert.Matches(ResetLink(), body);
        await Wait.ForAsync(() => fixture.WithDatabaseAsync(db => db.OutgoingEmails.CountAsync(m => m.To == user.Email, Ct)), count => count == 0);
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task UndeliverableMessage_IsGivenUpAfterItsTries_WithALogLineWithoutTheLink()
    {
        var user = await fixture.Server.Services.CreateUserAsync();
        var folder = Path.Combine(Path.GetTempPath(), $"lazymigrate-blocked-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(folder, "not a folder", Ct);
        await using var node = fixture.CreateNode(handlesRequests: true, sendsMail: true, new Dictionary<string, string?>
        {
            ["LazyMigrate:Email:PickupDirectory"] = folder,
            ["LazyMigrate:Email:Outbox:RetryDelay"] = "00:00:00.050",
            ["LazyMigrate:Email:Outbox:MaxAttempts"] = "3",
        });
        _ = node.Server;
        var givenUp = fixture.Log.Occurrences("was given up after 3 tries");

        await RequestResetAsync(fixture.Server, user.Email);
        await Wait.ForAsync(() => Task.FromResult(fixture.Log.Occurrences("was given up after 3 tries")), count => count > givenUp);

        Assert.Equal(0, await fixture.WithDatabaseAsync(db => db.OutgoingEmails.CountAsync(m => m.To == user.Email, Ct)));
        Assert.DoesNotContain("Account/ResetPassword", fixture.Log.Text, StringComparison.Ordinal);
        File.Delete(folder);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task RequestResetAsync(LazyMigrateServer server, string email)
    {
        using var browser = new Browser(server);
        var page = await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = email });
        Assert.Contains("If an account exists for that address", page.Html, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"http://localhost/Account/ResetPassword\?\S+")]
    private static partial Regex ResetLink();
}
