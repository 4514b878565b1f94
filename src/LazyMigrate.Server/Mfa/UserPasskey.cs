using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.Mfa;

/// <summary>
/// Identity's passkey row (<c>AspNetUserPasskeys</c>: the credential id, the public key and the authenticator's
/// flags), plus when it last signed someone in, which Identity does not keep and the factor lists show.
/// </summary>
public sealed class UserPasskey : IdentityUserPasskey<Guid>
{
    public DateTimeOffset? LastUsedAt { get; set; }
}
