namespace LazyMigrate.Server.Mfa;

/// <summary>The kinds of second factor a user can have. Stored by name.</summary>
public enum MfaFactorKind
{
    /// <summary>An authenticator app (TOTP, RFC 6238); its key is Identity's authenticator key, stored protected.</summary>
    Authenticator,

    /// <summary>A phone number carried over from a legacy system. Kept as a record only: no SMS sender exists, so it is never a factor.</summary>
    Phone,

    /// <summary>An email factor carried over from a legacy system (Auth0's <c>email</c> factor). Kept as a record only.</summary>
    Email,
}

/// <summary>
/// One second factor of a user, as the management API and the console list it: kind, when it was created and last
/// used. Never a secret: the authenticator key lives in Identity's token store (protected), and a carried-over phone
/// number or address is protected here.
/// </summary>
public sealed class MfaFactor
{
    public Guid Id { get; set; }

    public Guid UserId { get; set; }

    public MfaFactorKind Kind { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>
    /// The last TOTP time step accepted for this user. A code is accepted only for a later step, so a code seen by
    /// someone else (over a shoulder, in a phishing proxy) cannot be replayed within its window.
    /// </summary>
    public long? LastTimeStep { get; set; }

    /// <summary>A carried-over phone number or address, protected with Data Protection; null for an authenticator.</summary>
    public string? ProtectedValue { get; set; }

    /// <summary>Where the factor came from: <c>enrolled</c>, <c>lazy:CONNECTION</c> or <c>import:CONNECTION</c>.</summary>
    public string? Origin { get; set; }
}
