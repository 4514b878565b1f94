using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.LegacyConnections;

/// <summary>The result of a dry run, shown to the admin (never to end users).</summary>
public sealed record ScriptTrial(
    string Outcome,
    LegacyProfile? Profile,
    long? Users,
    string? Reason,
    string? Message,
    int? Line,
    int? Column,
    IReadOnlyList<ScriptLogEntry> Logs,
    double DurationMs)
{
    /// <summary>listUsers: the page's entries (the hash's format only, never the hash) and the cursor after it.</summary>
    public IReadOnlyList<ScriptTrialEntry>? Page { get; init; }

    public string? NextCursor { get; init; }
}

/// <summary>One entry of a tried listUsers page: who, which hash format (never the hash), or why it would be refused.</summary>
public sealed record ScriptTrialEntry(string? LegacyId, LegacyProfile? Profile, string? HashFormat, string? Refused, string? Detail);

/// <summary>Dry runs of a connection's scripts for administrators: real calls to the legacy system, nothing imported.</summary>
public sealed class ScriptTrials(
    LazyMigrateDbContext db,
    LegacyConnectionCatalog catalog,
    ILegacyUserScripts scripts,
    AuditTrail audit,
    ILogger<ScriptTrials> logger)
{
    /// <summary>How many users a tried listUsers page asks for: enough to see the shape, little for the legacy system.</summary>
    public const int TryPageSize = 10;

    /// <summary>The rate-limit policy of every way in to a trial (see <see cref="ScriptTrialRateLimit"/>).</summary>
    public const string RateLimitPolicy = "script-try";

    /// <summary>
    /// Runs a script without importing anything: the saved version, or <paramref name="draft"/> (the editor's unsaved text)
    /// in its place. The result, the script's log lines and its duration come back to the admin; the audit trail keeps
    /// who tried what (<paramref name="actor"/>: <c>client:ID</c> or <c>admin:EMAIL</c>).
    /// </summary>
    public async Task<ConnectionResult> TryAsync(string name, ScriptFunction function, string? draft, string? email, string? password, string? cursor, string actor, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (function is not (ScriptFunction.CountUsers or ScriptFunction.ListUsers) && string.IsNullOrWhiteSpace(email))
        {
            errors["email"] = ["An email or username to try is required."];
        }

        if (function == ScriptFunction.Login && string.IsNullOrEmpty(password))
        {
            errors["password"] = ["The login script needs a password to try."];
        }

        if (cursor is { Length: > ListUsersLimits.MaxCursorLength })
        {
            errors["cursor"] = [$"A cursor is at most {ListUsersLimits.MaxCursorLength} characters."];
        }

        if (draft is { Length: > ScriptVersions.MaxScriptLength })
        {
            errors["content"] = [$"Scripts are limited to {ScriptVersions.MaxScriptLength / 1024} KB."];
        }

        if (errors.Count > 0)
        {
            return new ConnectionResult.Invalid(errors);
        }

        var entity = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (entity is null)
        {
            return new ConnectionResult.NotFound();
        }

        var versions = await db.ScriptVersions.AsNoTracking().Where(s => s.ConnectionId == entity.Id).ToListAsync(cancellationToken);
        if (draft is not null)
        {
            versions.Add(new ScriptVersion { Function = function, Version = int.MaxValue, Content = draft, ContentHash = "", Author = "" });
        }

        var connection = catalog.Describe(entity, versions);
        var context = new ScriptContext { DryRun = true };
        var result = function switch
        {
            ScriptFunction.Login => await scripts.LoginAsync(connection, email!, password!, context, cancellationToken),
            ScriptFunction.GetUser => await scripts.GetUserAsync(connection, email!, context, cancellationToken),
            ScriptFunction.ListUsers => await scripts.ListUsersAsync(connection, string.IsNullOrEmpty(cursor) ? null : cursor, TryPageSize, context, cancellationToken),
            _ => await scripts.CountUsersAsync(connection, context, cancellationToken),
        };

        var trial = result.Outcome switch
        {
            ScriptOutcome.Found found => Trial("Found", result) with { Profile = found.Profile.WithoutSecrets() },
            ScriptOutcome.Counted counted => Trial("Counted", result) with { Users = counted.Users },
            ScriptOutcome.Listed listed => Trial("Listed", result) with
            {
                Page = [.. listed.Users.Select(u => new ScriptTrialEntry(u.LegacyId, u.Profile?.WithoutSecrets(), u.PasswordHash?.Format, u.Refusal?.Reason, u.Refusal?.Detail))],
                NextCursor = listed.NextCursor,
            },
            ScriptOutcome.UnknownUser => Trial("UnknownUser", result),
            ScriptOutcome.WrongPassword => Trial("WrongPassword", result),
            ScriptOutcome.Failed failed => Trial("Failed", result) with
            {
                Reason = failed.Reason.ToString(),
                Message = failed.Message,
                Line = failed.Line,
                Column = failed.Column,
            },
            _ => Trial(result.Outcome.GetType().Name, result),
        };

        // A trial is a real question to the legacy system (a password oracle in the wrong hands), so who asked what is
        // audited; the password never is.
        var tried = ScriptFunctionNames.Camel(function) + (function == ScriptFunction.ListUsers ? $" after cursor {cursor ?? "(start)"}" : email is null ? "" : $" for {email}") + (draft is null ? "" : " (unsaved draft)");
        await audit.RecordAsync(AuditEventType.ScriptTried, connection: name, reason: trial.Outcome, duration: result.Duration,
            detail: tried, actor: actor, cancellationToken: cancellationToken);
        // A dry run that took its sandbox process down is audited like a login's: someone can crash workers at will.
        if (result.Outcome is ScriptOutcome.Failed { Reason: ScriptFailureReason.SandboxCrashed } crashed)
        {
            await audit.RecordAsync(AuditEventType.ScriptFailed, connection: name, reason: crashed.Reason.ToString(),
                duration: result.Duration, detail: "dry run: " + crashed.Message, actor: actor, cancellationToken: cancellationToken);
        }

        logger.LogInformation("Dry run of {Function} on connection {Connection} by {Actor}: {Outcome} in {Duration} ms",
            function, name, actor, trial.Outcome, (int)trial.DurationMs);
        return new ConnectionResult.Done<ScriptTrial>(trial);

        static ScriptTrial Trial(string outcome, ScriptResult result) =>
            new(outcome, null, null, null, null, null, null, result.Logs, Math.Round(result.Duration.TotalMilliseconds, 2));
    }
}
