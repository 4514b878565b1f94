using System.Text.Json;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.Jobs;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.ResetCampaign;

/// <summary>A campaign's options, kept as its job's <c>Options</c>.</summary>
/// <param name="EmailsPerMinute">The pace: the mail server and the support desk both see at most this many a minute.</param>
public sealed record ResetCampaignOptions(int EmailsPerMinute)
{
    public const int MaxEmailsPerMinute = 100_000;
    public const int DefaultEmailsPerMinute = 60;

    public string Serialize() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    public static ResetCampaignOptions Read(string? json) =>
        (json is null ? null : JsonSerializer.Deserialize<ResetCampaignOptions>(json, JsonSerializerOptions.Web)) ?? new(DefaultEmailsPerMinute);
}

/// <summary>How starting a campaign ended.</summary>
public abstract record CampaignStart
{
    private CampaignStart()
    {
    }

    public sealed record Started(JobView Job) : CampaignStart;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : CampaignStart;
}

/// <summary>
/// Starts reset-email campaigns: a job (<see cref="JobKind.ResetCampaign"/>) that emails a reset link to every
/// bulk-imported user of a connection (or of all) who has no usable password ("reset required") and an address.
/// Only one campaign per connection runs at a time: two would email the same people twice.
/// </summary>
public sealed class ResetCampaigns(LazyMigrateDbContext db, JobRunner runner, TimeProvider time, ILogger<ResetCampaigns> logger)
{
    /// <summary>The users a campaign writes to: bulk-imported, no password, an address. A user who set a password since drops out.</summary>
    public static IQueryable<User> Recipients(LazyMigrateDbContext db, string? connection) =>
        db.Users.Where(u => u.PasswordHash == null && u.Email != null && db.UserIdentities.Any(i =>
            i.UserId == u.Id && i.Origin == IdentityOrigin.Imported && i.ImportJobId != null && (connection == null || i.Connection == connection)));

    public Task<int> CountRecipientsAsync(string? connection, CancellationToken cancellationToken) =>
        Recipients(db, connection).CountAsync(cancellationToken);

    public async Task<CampaignStart> StartAsync(string? connection, int? emailsPerMinute, string requestedBy, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (connection is not null && (connection.Length > 128 || !await db.LegacyConnections.AnyAsync(c => c.Name == connection, cancellationToken)))
        {
            errors["connection"] = [$"No connection is named '{(connection.Length > 64 ? connection[..64] + "…" : connection)}'."];
        }

        if (emailsPerMinute is < 1 or > ResetCampaignOptions.MaxEmailsPerMinute)
        {
            errors["emailsPerMinute"] = [$"Between 1 and {ResetCampaignOptions.MaxEmailsPerMinute}."];
        }

        if (errors.Count == 0 && await db.Jobs.AnyAsync(j => j.Kind == JobKind.ResetCampaign && (j.Connection == connection || j.Connection == null || connection == null)
                && (j.State == JobState.Pending || j.State == JobState.Running || j.State == JobState.Paused), cancellationToken))
        {
            errors["connection"] = ["A reset-email campaign for these users has not ended yet: resume or cancel it rather than start another."];
        }

        if (errors.Count > 0)
        {
            return new CampaignStart.Invalid(errors);
        }

        var now = time.GetUtcNow();
        var job = new Job
        {
            Id = Guid.CreateVersion7(),
            Kind = JobKind.ResetCampaign,
            State = JobState.Pending,
            Connection = connection,
            Source = "resetRequired",
            Options = new ResetCampaignOptions(emailsPerMinute ?? ResetCampaignOptions.DefaultEmailsPerMinute).Serialize(),
            RequestedBy = requestedBy,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        runner.Wake();
        logger.LogInformation("Reset-email campaign {JobId} for connection {Connection} created by {Actor}", job.Id, connection ?? "(all)", requestedBy);
        return new CampaignStart.Started(JobView.From(job, new Dictionary<string, long>()));
    }
}
