using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Email;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.Oidc;
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

/// <summary>The <c>LazyMigrate:PasswordReset</c> section.</summary>
public sealed class PasswordResetOptions
{
    public const string Section = "LazyMigrate:PasswordReset";

    /// <summary>The first wait when a legacy system could not say whether it knows the address; doubled each time.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Tries in all before the request is given up (logged); the person can always ask again.</summary>
    public int MaxAttempts { get; set; } = 6;
}

/// <summary>One forgot-password request; <see cref="Attempt"/> counts from 1.</summary>
public sealed record ResetRequest(string Email, int Attempt = 1);

/// <summary>How handling a reset request ended.</summary>
public enum ResetLinkOutcome
{
    Sent,
    NoAccount,

    /// <summary>A legacy system could not answer: the request is tried again later, never taken as "no account".</summary>
    RetryLater,
}

/// <summary>
/// Forgot-password requests are queued and handled in the background: the page answers at once and identically
/// for every address, so neither its text nor its timing tells whether the address has an account.
/// </summary>
public sealed class PasswordResetRequests(TimeProvider time)
{
    private readonly Channel<ResetRequest> _requests = Channel.CreateBounded<ResetRequest>(new BoundedChannelOptions(1000)
    {
        // Under a flood, drop rather than make the page wait: the person can ask again.
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    public void Enqueue(string email) => _requests.Writer.TryWrite(new ResetRequest(email));

    /// <summary>Queues the request again after <paramref name="delay"/>.</summary>
    internal void RetryLater(ResetRequest request, TimeSpan delay, CancellationToken cancellationToken) =>
        _ = Task.Delay(delay, time, cancellationToken).ContinueWith(
            _ => _requests.Writer.TryWrite(request with { Attempt = request.Attempt + 1 }),
            cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    internal ChannelReader<ResetRequest> Reader => _requests.Reader;
}

public sealed class PasswordResetWorker(PasswordResetRequests queue, IServiceScopeFactory scopes, IOptions<PasswordResetOptions> options, ILogger<PasswordResetWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var request in queue.Reader.ReadAllAsync(stoppingToken))
        {
            var outcome = ResetLinkOutcome.RetryLater;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                outcome = await scope.ServiceProvider.GetRequiredService<PasswordResets>().SendLinkAsync(request.Email, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "A password reset request could not be handled");
            }

            if (outcome != ResetLinkOutcome.RetryLater)
            {
                continue;
            }

            if (request.Attempt >= options.Value.MaxAttempts)
            {
                logger.LogWarning("A password reset request was given up after {Attempts} tries: a legacy system could not answer", request.Attempt);
                continue;
            }

            var delay = options.Value.RetryDelay * Math.Pow(2, request.Attempt - 1);
            logger.LogInformation("A password reset request waits for a legacy system; try {Attempt} in {Delay}", request.Attempt + 1, delay);
            queue.RetryLater(request, delay, stoppingToken);
        }
    }
}

/// <summary>Reset links for local users (Identity tokens) and for legacy users not migrated yet (pending resets).</summary>
public sealed class PasswordResets(
    UserManager<User> users,
    LazyMigrateDbContext db,
    LegacyDirectory directory,
    UserImporter importer,
    IdentityLinking linking,
    EmailSender email,
    IOptions<OidcOptions> connect,
    TimeProvider time,
    IHostEnvironment environment,
    ILogger<PasswordResets> logger)
{
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(1);

    public async Task<ResetLinkOutcome> SendLinkAsync(string address, CancellationToken cancellationToken)
    {
        string? link = null;
        if (await users.FindByEmailAsync(address) is { } user)
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            link = Link(new() { ["kind"] = "local", ["id"] = user.Id.ToString(), ["token"] = token });
        }
        else
        {
            switch (await directory.FindForResetAsync(address, new ScriptContext(), cancellationToken))
            {
                case LegacyResetTarget.Unavailable:
                    return ResetLinkOutcome.RetryLater;
                case LegacyResetTarget.Found { Profile: var profile } found:
                    var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                    var pending = new PendingReset
                    {
                        Id = Guid.CreateVersion7(),
                        TokenHash = Hash(token),
                        Connection = found.Connection,
                        LegacyId = profile.Id,
                        Email = profile.Email!,
                        Profile = JsonSerializer.Serialize(profile),
                        ExpiresAt = time.GetUtcNow() + LinkLifetime,
                    };
                    db.PendingResets.Add(pending);
                    await db.SaveChangesAsync(cancellationToken);
                    link = Link(new() { ["kind"] = "legacy", ["id"] = pending.Id.ToString(), ["token"] = token });
                    break;
            }
        }

        if (link is null)
        {
            // Nothing is sent to an address without an account: the page said the same either way.
            logger.LogInformation("Password reset requested for an address without an account");
            return ResetLinkOutcome.NoAccount;
        }

        await email.SendAsync(address, "Reset your password",
            $"Someone asked to reset the password of your account. To choose a new one, open this link within an hour:\n\n{link}\n\nIf it was not you, ignore this message.",
            cancellationToken);
        if (email.UsesPickupDirectory && environment.IsDevelopment())
        {
            // A live link is a password for whoever reads the log: only for a developer's own run, where the log is the
            // quickest way to the page. Elsewhere the link is in the .eml file in the pickup folder, and only there.
            logger.LogInformation("Password reset link (pickup mode): {Link}", link);
        }

        return ResetLinkOutcome.Sent;
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
        User imported;
        switch (await importer.ImportAsync(pending.Connection, profile, password, reason: "PasswordReset", duration: null, cancellationToken))
        {
            case ImportResult.Created created:
                imported = created.User;
                linking.Wake();
                break;
            case ImportResult.Existing { User: var existing } when existing.NormalizedEmail == users.NormalizeEmail(pending.Email):
                // The person signed in (and so migrated) after asking: the link resets that account's password.
                imported = existing;
                var identityToken = await users.GeneratePasswordResetTokenAsync(imported);
                var reset = await users.ResetPasswordAsync(imported, identityToken, password);
                if (!reset.Succeeded)
                {
                    return reset;
                }

                break;
            default:
                // Deleted meanwhile, or the legacy account now belongs to a user with another address: not this link's to reset.
                return invalid;
        }

        logger.LogInformation("Password reset completed for user {UserId}", imported.Id);
        return IdentityResult.Success;
    }

    private string Link(Dictionary<string, string?> query) =>
        new Uri(connect.Value.IssuerUri, "Account/ResetPassword") + QueryString.Create(query).ToString();

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
