using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace LazyMigrate.Server.Tests.ResetCampaign;

/// <summary>
/// The reset-email campaign for bulk-imported users without a usable password: a job through the management API,
/// paced, paused and resumed from its checkpoint, one email and one audit event per recipient, and a link that lets
/// the user choose a password and sign in.
/// </summary>
public sealed partial class ResetCampaignTests(BulkImportFixture fixture) : IClassFixture<BulkImportFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Campaign_EmailsEachResetRequiredUserOnce_AcrossAPause_AndTheLinkSetsAPassword()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        // Two with an MD5 hash (no email for them), two with none (reset required).
        var users = SampleUserFiles.Users(4, tag, SampleHash.Md5, SampleHash.None);
        using var api = await fixture.ApiAsync();
        Assert.Equal("Completed", (await api.WaitForEndAsync(await api.StartImportAsync(SampleUserFiles.JsonLines(users)))).GetProperty("state").GetString());
        var recipients = users.Where(u => u.Hash == SampleHash.None).Select(u => u.Email).ToList();

        // One a minute: the first goes at once, the second is a minute away, so the pause lands between them.
        using var started = await api.PostAsJsonAsync("/api/v1/jobs/reset-campaigns", new { connection = "legacy", emailsPerMinute = 1 }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.JsonAsync()).GetProperty("id").GetGuid();
        var first = await Wait.ForAsync(() => api.JobAsync(id), job => job.Count("processed") == 1);
        Assert.Equal(2, first.GetProperty("total").GetInt64());
        using (var paused = await api.PostAsync($"/api/v1/jobs/{id}/pause", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        }

        using (var resumed = await api.PostAsync($"/api/v1/jobs/{id}/resume", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        }

        var done = await api.WaitForEndAsync(id);

        Assert.Equal(("Completed", 2L, 2L), (done.GetProperty("state").GetString(), done.Count("processed"), done.Count("created")));
        foreach (var email in recipients)
        {
            Assert.Single(await WaitForMailAsync(email));
        }

        foreach (var user in users.Where(u => u.Hash != SampleHash.None))
        {
            Assert.Empty(await MailsAsync(user.Email));
        }

        var audited = await fixture.WithDatabaseAsync(db => db.AuditEvents.Where(a => a.Type == AuditEventType.ResetLinkSent && a.Actor == "job:" + id.ToString("N"))
            .Select(a => a.UserId).ToListAsync(Ct));
        var recipientIds = await fixture.WithDatabaseAsync(db => db.Users.Where(u => recipients.Contains(u.Email!)).Select(u => (Guid?)u.Id).ToListAsync(Ct));
        Assert.Equal(recipientIds.Order(), audited.Order());

        // The link lets the user choose a password; then they sign in with it, and a new campaign has nobody left of them.
        var link = new Uri(ResetLink().Match((await WaitForMailAsync(recipients[0]))[0]).Value);
        using (var browser = fixture.CreateBrowser())
        {
            var form = await browser.NavigateAsync(link.PathAndQuery);
            var changed = await browser.SubmitAsync(form, new Dictionary<string, string>
            {
                ["Password"] = "a campaign passphrase",
                ["ConfirmPassword"] = "a campaign passphrase",
            });
            Assert.Contains("Your password has been changed.", changed.Html, StringComparison.Ordinal);
        }

        Assert.False((await fixture.LogInAsync(recipients[0], "a campaign passphrase")).IsLogin);
        Assert.Equal(0, await fixture.WithDatabaseAsync(db => LazyMigrate.Server.ResetCampaign.ResetCampaigns.Recipients(db, "legacy")
            .CountAsync(u => u.Email == recipients[0], Ct)));
    }

    [Fact]
    public async Task Campaign_RefusesAnUnknownConnectionAndAPaceOutOfRange_NamingTheFields()
    {
        using var api = await fixture.ApiAsync();

        using var response = await api.PostAsJsonAsync("/api/v1/jobs/reset-campaigns", new { connection = "no-such-connection", emailsPerMinute = 0 }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.JsonAsync()).GetProperty("errors");
        Assert.Contains("no-such-connection", errors.GetProperty("connection")[0].GetString(), StringComparison.Ordinal);
        Assert.True(errors.TryGetProperty("emailsPerMinute", out _));
    }

    private async Task<List<string>> WaitForMailAsync(string email) =>
        await Wait.ForAsync(() => MailsAsync(email), mails => mails.Count > 0, TimeSpan.FromSeconds(60));

    /// <summary>The bodies of every message dropped for <paramref name="email"/>.</summary>
    private async Task<List<string>> MailsAsync(string email)
    {
        var bodies = new List<string>();
        if (!Directory.Exists(fixture.MailDirectory))
        {
            return bodies;
        }

        foreach (var file in Directory.GetFiles(fixture.MailDirectory, "*.eml"))
        {
            var message = await MimeMessage.LoadAsync(file, Ct);
            if (message.To.Mailboxes.Any(m => string.Equals(m.Address, email, StringComparison.OrdinalIgnoreCase)))
            {
                bodies.Add(message.TextBody ?? "");
            }
        }

        return bodies;
    }

    [GeneratedRegex(@"http://localhost/Account/ResetPassword\?\S+")]
    private static partial Regex ResetLink();
}
