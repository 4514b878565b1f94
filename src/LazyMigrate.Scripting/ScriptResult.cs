using System.Text.Json.Nodes;

namespace LazyMigrate.Scripting;

/// <summary>The result of one script call: its outcome, what the script logged (already redacted) and how long it took.</summary>
public sealed record ScriptResult(ScriptOutcome Outcome, IReadOnlyList<ScriptLogEntry> Logs, TimeSpan Duration)
{
    /// <summary>
    /// Time the call's database queries and HTTP requests to the legacy system took, added up (two queries run
    /// together count twice): how much of <see cref="Duration"/> was the legacy system's, for the metrics.
    /// </summary>
    public TimeSpan LegacyIo { get; init; }
}

/// <summary>The closed set of things a script call can end in.</summary>
public abstract record ScriptOutcome
{
    private ScriptOutcome()
    {
    }

    /// <summary><c>login</c> accepted the password, or <c>getUser</c> found the user.</summary>
    public sealed record Found(LegacyProfile Profile) : ScriptOutcome;

    /// <summary>The legacy system does not know the user.</summary>
    public sealed record UnknownUser : ScriptOutcome;

    /// <summary>The legacy system knows the user but rejected the password.</summary>
    public sealed record WrongPassword : ScriptOutcome;

    /// <summary><c>countUsers</c> answered.</summary>
    public sealed record Counted(long Users) : ScriptOutcome;

    /// <summary>
    /// <c>listUsers</c> answered with a page: its entries in order (each a user or why it cannot be one) and the
    /// cursor of the next page, null at the end.
    /// </summary>
    public sealed record Listed(IReadOnlyList<ListedUser> Users, string? NextCursor) : ScriptOutcome;

    /// <summary>The call could not give an answer. <paramref name="Message"/> is for the admin, never for the end user.</summary>
    public sealed record Failed(ScriptFailureReason Reason, string Message, int? Line = null, int? Column = null) : ScriptOutcome;
}

/// <summary>
/// One entry of a <c>listUsers</c> page: the normalised profile and its legacy hash (null: none, the user will reset),
/// or, for an entry that cannot be imported, <see cref="Refusal"/> (with the legacy id when the entry had one). A bad
/// entry is refused on its own, never the whole page.
/// </summary>
public sealed record ListedUser(LegacyProfile? Profile, Crypto.LegacyPasswordHash? PasswordHash, UserFiles.ImportRefusal? Refusal = null, string? LegacyId = null);

/// <summary>What a <c>listUsers</c> call may ask for and answer.</summary>
public static class ListUsersLimits
{
    /// <summary>Most users one page may hold; the limit a script is given is never above it.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Longest cursor kept as a job's checkpoint.</summary>
    public const int MaxCursorLength = 1024;
}

public enum ScriptFailureReason
{
    Timeout,
    MemoryLimit,
    StatementLimit,
    Recursion,
    ScriptError,
    LegacyUnavailable,
    InvalidProfile,
    NotConfigured,

    /// <summary>The sandbox process running the call died (a stack overflow inside the engine, the heap limit) or could not start.</summary>
    SandboxCrashed,
}

public sealed record ScriptLogEntry(ScriptLogLevel Level, string Message, TimeSpan At);

public enum ScriptLogLevel
{
    Info,
    Warn,
    Error,
}

/// <summary>A user as the legacy system describes it, normalised to our field names.</summary>
public sealed record LegacyProfile
{
    /// <summary>Stable legacy identifier (Auth0 <c>user_id</c>, Authing <c>id</c>); required.</summary>
    public required string Id { get; init; }

    public string? Email { get; init; }

    public bool EmailVerified { get; init; }

    public string? Username { get; init; }

    public string? Name { get; init; }

    public string? GivenName { get; init; }

    public string? FamilyName { get; init; }

    public string? Nickname { get; init; }

    public string? Picture { get; init; }

    public string? PhoneNumber { get; init; }

    public bool PhoneVerified { get; init; }

    public JsonObject? UserMetadata { get; init; }

    public JsonObject? AppMetadata { get; init; }

    /// <summary>Second factors the legacy system had for the user (<c>mfa</c> or Auth0's <c>mfa_factors</c>); secret.</summary>
    public LegacyMfa? Mfa { get; init; }

    /// <summary>
    /// The profile as it may be stored beside an identity or shown: without the factors' secrets, which only the
    /// import itself reads (and stores protected).
    /// </summary>
    public LegacyProfile WithoutSecrets() => Mfa is null ? this : this with { Mfa = Mfa.Redacted() };

    /// <summary>The profile without its factors at all, for a record that a later import reads (a pending reset).</summary>
    public LegacyProfile WithoutMfa() => Mfa is null ? this : this with { Mfa = null };
}

/// <summary>
/// A user's second factors at the legacy system. The TOTP secret is base32 as authenticator apps use it (checked
/// when the profile is read); a phone number is E.164. <see cref="ToString"/> never prints them.
/// </summary>
public sealed record LegacyMfa
{
    public const string RedactedValue = "(redacted)";

    public string? TotpSecret { get; init; }

    public string? PhoneNumber { get; init; }

    public string? Email { get; init; }

    /// <summary>Which factors there are, without their values.</summary>
    public LegacyMfa Redacted() => new()
    {
        TotpSecret = TotpSecret is null ? null : RedactedValue,
        PhoneNumber = PhoneNumber is null ? null : RedactedValue,
        Email = Email is null ? null : RedactedValue,
    };

    public override string ToString() =>
        $"LegacyMfa {{ Totp = {TotpSecret is not null}, Phone = {PhoneNumber is not null}, Email = {Email is not null} }}";
}

public sealed record ScriptValidation(bool IsValid, IReadOnlyList<ScriptSyntaxError> Errors);

public sealed record ScriptSyntaxError(string Message, int Line, int Column);
