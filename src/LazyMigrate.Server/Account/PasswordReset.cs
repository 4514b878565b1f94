using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Email;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Account;

/// <summary>A reset link sent to a legacy user who has not migrated yet: completing it creates the user.</summary>
public sealed class PendingReset
{
    public Guid Id { get; set; }

    /// <summary>SHA-256 of the token in the link; the token itself is never stored.</summary>
    public required string TokenHash { get; set; }

    public required string Connection { get; set; }

    public required string LegacyId { get; set; }

    public required string Email { get; set; }

    /// <summary>The getUser profile, JSON: the user is created from it.</summary>
    public required string Profile { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>
/// Forgot-password requests are queued and handled in the background: the page answers at once and identically
/// for every address, so neither its text nor its timing tells whether the address has an account.
/// </summary>
public sealed class PasswordResetRequests
{
    private readonly Channel<string> _emails = Channel.CreateBounded<string>(new BoundedChannelOptions(1000)
    {
        // Under a flood, drop rather than make the page wait: the person can ask again.
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public void Enqueue(string email) => _emails.Writer.TryWrite(email);

    internal ChannelReader<string> Reader => _emails.Reader;
}

public sealed class PasswordResetWorker(PasswordResetRequests queue, IServiceScopeFactory scopes, ILogger<PasswordResetWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var email in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<PasswordResets>().SendLinkAsync(email, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "A password reset request could not be handled");
            }
        }
    }
}

/// <summary>Reset links for local users (Identity tokens) and for legacy users not migrated yet (pending resets).</summary>
public sealed class PasswordResets(
    UserManager<User> users,
    LazyMigrateDbContext db,
    LegacyConnectionCatalog connections,
    ILegacyUserScripts scripts,
    UserImporter importer,
    EmailSender email,
    AuditTrail audit,
    IOptions<OidcOptions> connect,
    TimeProvider time,
    ILogger<PasswordResets> logger)
{
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(1);

    public async Task SendLinkAsync(string address, CancellationToken cancellationToken)
    {
        string? link = null;
        if (await users.FindByEmailAsync(address) is { } user)
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            link = Link(new() { ["kind"] = "local", ["id"] = user.Id.ToString(), ["token"] = token });
        }
        else
        {
            foreach (var connection in await connections.ImportingAsync(cancellationToken))
            {
                var result = await scripts.GetUserAsync(connection, address, new ScriptContext(), cancellationToken);
                if (result.Outcome is ScriptOutcome.UnknownUser)
                {
                    continue;
                }

                if (result.Outcome is ScriptOutcome.Found { Profile: { Email: not null } profile } &&
                    !await UserDeletion.IsTombstonedAsync(db, connection.Name, profile.Id, users.NormalizeEmail(profile.Email), cancellationToken))
                {
                    var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                    var pending = new PendingReset
                    {
                        Id = Guid.CreateVersion7(),
                        TokenHash = Hash(token),
                        Connection = connection.Name,
                        LegacyId = profile.Id,
                        Email = profile.Email,
                        Profile = JsonSerializer.Serialize(profile),
                        ExpiresAt = time.GetUtcNow() + LinkLifetime,
                    };
                    db.PendingResets.Add(pending);
                    await db.SaveChangesAsync(cancellationToken);
                    link = Link(new() { ["kind"] = "legacy", ["id"] = pending.Id.ToString(), ["token"] = token });
                }

                break;
            }
        }

        if (link is null)
        {
            // Nothing is sent to an address without an account: the page said the same either way.
            logger.LogInformation("Password reset requested for an address without an account");
            return;
        }

        await email.SendAsync(address, "Reset your password",
            $"Someone asked to reset the password of your account. To choose a new one, open this link within an hour:\n\n{link}\n\nIf it was not you, ignore this message.",
            cancellationToken);
        if (email.UsesPickupDirectory)
        {
            // Local runs only (no SMTP server configured): the link is the one way to reach the page without a mailbox.
            logger.LogInformation("Password reset link (pickup mode): {Link}", link);
        }
    }

    /// <summary>Completes a reset; false when the link is invalid, used or expired.</summary>
    public async Task<IdentityResult> CompleteAsync(string kind, Guid id, string token, string password, CancellationToken cancellationToken)
    {
        var invalid = IdentityResult.Failed(new IdentityError { Code = "InvalidToken", Description = "This link is invalid or has expired. Ask for a new one." });
        if (kind == "local")
        {
            var user = await users.FindByIdAsync(id.ToString());
            return user is null ? invalid : await users.ResetPasswordAsync(user, token, password);
        }

        foreach (var validator in users.PasswordValidators)
        {
            var valid = await validator.ValidateAsync(users, new User(), password);
            if (!valid.Succeeded)
            {
                return valid;
            }
        }

        // Claim the link atomically: of two submissions, only one marks it used.
        var now = time.GetUtcNow();
        var hash = Hash(token);
        var claimed = await db.PendingResets
            .Where(p => p.Id == id && p.TokenHash == hash && p.UsedAt == null && p.ExpiresAt > now)
            .ExecuteUpdateAsync(set => set.SetProperty(p => p.UsedAt, now), cancellationToken);
        if (claimed != 1)
        {
            return invalid;
        }

        var pending = await db.PendingResets.AsNoTracking().SingleAsync(p => p.Id == id, cancellationToken);
        var profile = JsonSerializer.Deserialize<LegacyProfile>(pending.Profile)!;
        var (imported, created) = await importer.ImportAsync(pending.Connection, profile, password, cancellationToken);
        if (imported is null)
        {
            return invalid;
        }

        if (!created)
        {
            // The user signed in (and so migrated) after asking: reset that account's password instead.
            var identityToken = await users.GeneratePasswordResetTokenAsync(imported);
            var reset = await users.ResetPasswordAsync(imported, identityToken, password);
            if (!reset.Succeeded)
            {
                return reset;
            }
        }
        else
        {
            await audit.RecordAsync(AuditEventType.UserMigrated, imported.Id, pending.Connection, reason: "PasswordReset", cancellationToken: cancellationToken);
        }

        logger.LogInformation("Password reset completed for user {UserId}", imported.Id);
        return IdentityResult.Success;
    }

    private string Link(Dictionary<string, string?> query) =>
        new Uri(connect.Value.IssuerUri, "Account/ResetPassword") + QueryString.Create(query).ToString();

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
