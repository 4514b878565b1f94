using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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

    /// <summary>How often each node looks for requests due (a request made on the node itself wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a node holds a request it handles before another node may take it (it crashed).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// One forgot-password request waiting to be handled: the address and nothing else (no link exists yet). A row, so
/// a request survives a restart and any node may handle it.
/// </summary>
public sealed class PasswordResetRequest
{
    public Guid Id { get; set; }

    public required string Email { get; set; }

    /// <summary>Not before this time: the next try, or the end of the lease of the node handling it.</summary>
    public DateTimeOffset DueAt { get; set; }

    /// <summary>Tries begun so far, counted when a node takes the request.</summary>
    public int Attempts { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>How handling a reset request ended.</summary>
public enum ResetLinkOutcome
{
    Sent,
    NoAccount,

    /// <summary>A legacy system could not answer: the request is tried again later, never taken as "no account".</summary>
    RetryLater,
}

/// <summary>
/// Forgot-password requests are written to PostgreSQL and handled in the background: the page answers at once and
/// identically for every address, so neither its text nor its timing tells whether the address has an account.
/// Every address costs the page the same one insert. Nothing is dropped: floods stop at the rate limits before this.
/// </summary>
public sealed class PasswordResetRequests(TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Writes the request with <paramref name="db"/> and wakes this node's <see cref="PasswordResetWorker"/>.</summary>
    public async Task EnqueueAsync(LazyMigrateDbContext db, string email, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        db.PasswordResetRequests.Add(new PasswordResetRequest { Id = Guid.CreateVersion7(), Email = email, DueAt = now, CreatedAt = now });
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one round takes every due request.
        }
    }

    internal Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _wake.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _wake.Dispose();
}

/// <summary>
/// Handles reset requests on every node: one due request at a time under a lease (SKIP LOCKED), so a crash only
/// delays a request until its lease ends. The link, its pending reset and its email are written in one transaction
/// with the request's deletion (<see cref="PasswordResets.SendLinkAsync"/>), so a request becomes exactly one email.
/// </summary>
public sealed class PasswordResetWorker(PasswordResetRequests requests, IServiceScopeFactory scopes, IOptions<PasswordResetOptions> options, TimeProvider time, ILogger<PasswordResetWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);

    /// <summary>The earliest retry this node scheduled: it looks again then rather than at the next poll.</summary>
    private DateTimeOffset? _nextRetry;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await HandleNextAsync(stoppingToken))
                {
                    // One request at a time, each under its own lease, until none is due.
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // Our own database is unavailable, for instance: the requests wait, and the next round tries again.
                logger.LogWarning(ex, "Handling password reset requests failed; they are tried again later");
            }

            try
            {
                await requests.WaitAsync(UntilNextRound(), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan UntilNextRound()
    {
        var poll = options.Value.PollInterval;
        if (_nextRetry is not { } retry)
        {
            return poll;
        }

        _nextRetry = null;
        var wait = retry - time.GetUtcNow();
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait < poll ? wait : poll;
    }

    /// <returns>False when no request was due.</returns>
    private async Task<bool> HandleNextAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var now = time.GetUtcNow();
        var leaseUntil = now + options.Value.Lease;
        var claimed = await db.PasswordResetRequests.FromSql($"""
            UPDATE "PasswordResetRequests" SET "DueAt" = {leaseUntil}, "Attempts" = "Attempts" + 1
            WHERE "Id" = (SELECT "Id" FROM "PasswordResetRequests" WHERE "DueAt" <= {now}
                          ORDER BY "DueAt" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (claimed is not [var request])
        {
            return false;
        }

        var outcome = ResetLinkOutcome.RetryLater;
        try
        {
            outcome = await scope.ServiceProvider.GetRequiredService<PasswordResets>().SendLinkAsync(request, cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another node took the request after this one's lease ran out, and finished it first: nothing to do.
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "A password reset request could not be handled");
        }

        if (outcome != ResetLinkOutcome.RetryLater)
        {
            return true;
        }

        if (request.Attempts >= options.Value.MaxAttempts)
        {
            logger.LogWarning("A password reset request was given up after {Attempts} tries: a legacy system could not answer", request.Attempts);
            await db.PasswordResetRequests.Where(r => r.Id == request.Id).ExecuteDeleteAsync(CancellationToken.None);
            return true;
        }

        var delay = options.Value.RetryDelay * Math.Pow(2, Math.Min(request.Attempts - 1, 16));
        var due = time.GetUtcNow() + (delay < MaxRetryDelay ? delay : MaxRetryDelay);
        _nextRetry = _nextRetry is { } earlier && earlier < due ? earlier : due;
        logger.LogInformation("A password reset request waits for a legacy system; try {Attempt} at {Due}", request.Attempts + 1, due);
        await db.PasswordResetRequests.Where(r => r.Id == request.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(r => r.DueAt, due), CancellationToken.None);
        return true;
    }
}

/// <summary>Reset links for local users (Identity tokens) and for legacy users not migrated yet (pending resets).</summary>
public sealed class PasswordResets(
    UserManager<User> users,
    LazyMigrateDbContext db,
    LegacyDirectory directory,
    UserImporter importer,
    IdentityLinking linking,
    EmailOutbox outbox,
    EmailSender email,
    IOptions<OidcOptions> connect,
    TimeProvider time,
    IHostEnvironment environment,
    ILogger<PasswordResets> logger)
{
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// Looks the request's address up and queues its email; the link's pending reset, the email and the request's
    /// deletion commit together. Throws <see cref="DbUpdateConcurrencyException"/> when another node finished the
    /// request meanwhile, and then nothing of this one is written.
    /// </summary>
    public async Task<ResetLinkOutcome> SendLinkAsync(PasswordResetRequest request, CancellationToken cancellationToken)
    {
        var address = request.Email;
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
                        // Not the factors' secrets: this row is not protected (a reset-created user enrols anew).
                        Profile = JsonSerializer.Serialize(profile.WithoutMfa()),
                        ExpiresAt = time.GetUtcNow() + LinkLifetime,
                    };
                    db.PendingResets.Add(pending);
                    link = Link(new() { ["kind"] = "legacy", ["id"] = pending.Id.ToString(), ["token"] = token });
                    break;
            }
        }

        // The request's row goes in the same transaction as what it produced: done exactly once.
        db.PasswordResetRequests.Remove(db.PasswordResetRequests.Attach(new PasswordResetRequest { Id = request.Id, Email = address }).Entity);
        if (link is null)
        {
            // Nothing is sent to an address without an account: the page said the same either way.
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Password reset requested for an address without an account");
            return ResetLinkOutcome.NoAccount;
        }

        outbox.Add(db, address, "Reset your password",
            $"Someone asked to reset the password of your account. To choose a new one, open this link within an hour:\n\n{link}\n\nIf it was not you, ignore this message.");
        await db.SaveChangesAsync(cancellationToken);
        if (email.UsesPickupDirectory && environment.IsDevelopment())
        {
            // A live link is a password for whoever reads the log: only for a developer's own run, where the log is the
            // quickest way to the page. Elsewhere the link is in the .eml file in the pickup folder, and only there.
            logger.LogInformation("Password reset link (pickup mode): {Link}", link);
        }

        return ResetLinkOutcome.Sent;
    }

    /// <summary>A reset link for a user who is here (Identity's token, as a forgot-password request makes it): for a reset-email campaign.</summary>
    public async Task<string> LocalLinkAsync(User user) =>
        Link(new() { ["kind"] = "local", ["id"] = user.Id.ToString(), ["token"] = await users.GeneratePasswordResetTokenAsync(user) });

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
