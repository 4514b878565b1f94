using LazyMigrate.Server.Data;

namespace LazyMigrate.Server.Audit;

/// <summary>What happened, for the admin: logins, migrations, refusals, script failures and trials, deletions, configuration.</summary>
public enum AuditEventType
{
    LoginSucceeded,
    LoginFailed,
    UserMigrated,
    ScriptFailed,
    RegistrationRefused,
    UserRegistered,
    UserDeleted,
    ScriptChanged,
    ScriptTried,
    UserCreated,
    UserUpdated,
    UserBlocked,
    UserUnblocked,
    ConnectionChanged,
    ClientChanged,
    IdentityLinked,
    IdentityUnlinked,
    ResetLinkSent,
    MfaEnrolled,
    MfaRemoved,
}

/// <summary>One entry of the audit trail. Never holds a password or a secret: reasons are classes, details are ours.</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public AuditEventType Type { get; set; }

    public Guid? UserId { get; set; }

    public string? Connection { get; set; }

    public string? ClientId { get; set; }

    /// <summary>Who made an administrative change: <c>client:ID</c> (management API) or <c>admin:EMAIL</c> (console).</summary>
    public string? Actor { get; set; }

    public string? Ip { get; set; }

    public string? CorrelationId { get; set; }

    /// <summary>A class of reason: InvalidCredentials, Throttled, Unavailable, Timeout, ScriptError, LegacyExists…</summary>
    public string? Reason { get; set; }

    public int? DurationMs { get; set; }

    /// <summary>Short detail for the admin (a script's error message, already free of the password).</summary>
    public string? Detail { get; set; }
}

/// <summary>
/// Writes audit events with the request's address and correlation id. Each write uses a context of its own, so an
/// audit entry never carries along (or fails with) whatever the request's own context is tracking.
/// </summary>
public sealed class AuditTrail(IServiceScopeFactory scopes, IHttpContextAccessor http, TimeProvider time)
{
    private const int MaxDetailLength = 1000;

    public async Task RecordAsync(AuditEventType type, Guid? userId = null, string? connection = null, string? reason = null,
        TimeSpan? duration = null, string? detail = null, string? actor = null, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        db.AuditEvents.Add(Create(type, userId, connection, reason, duration, detail, actor));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>An event for the caller to save in its own transaction, so the change and its record commit together.</summary>
    public AuditEvent Create(AuditEventType type, Guid? userId = null, string? connection = null, string? reason = null,
        TimeSpan? duration = null, string? detail = null, string? actor = null)
    {
        var context = http.HttpContext;
        return new AuditEvent
        {
            At = time.GetUtcNow(),
            Type = type,
            UserId = userId,
            Connection = connection,
            Ip = context?.Connection.RemoteIpAddress?.ToString(),
            CorrelationId = context?.Response.Headers["X-Correlation-ID"].ToString() is { Length: > 0 } id ? id : context?.TraceIdentifier,
            Reason = reason,
            Actor = actor,
            DurationMs = duration is { } d ? (int)Math.Min(d.TotalMilliseconds, int.MaxValue) : null,
            Detail = detail is { Length: > MaxDetailLength } ? detail[..MaxDetailLength] : detail,
        };
    }
}
