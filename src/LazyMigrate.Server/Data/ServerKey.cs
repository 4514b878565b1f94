namespace LazyMigrate.Server.Data;

/// <summary>
/// A token signing or encryption key shared by every node. The key material is protected with ASP.NET Core Data
/// Protection (whose key ring lives in the same database), so a copy of this table alone does not reveal it.
/// </summary>
public sealed class ServerKey
{
    public Guid Id { get; set; }

    public ServerKeyUse Use { get; set; }

    /// <summary>The JOSE algorithm the key is used with (RS256, A256KW).</summary>
    public required string Algorithm { get; set; }

    /// <summary>The key material (PKCS#8 for RSA, raw bytes for AES), Data Protection-protected and base64url-encoded.</summary>
    public required string ProtectedKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// From when the key signs (or encrypts). Until then it is only published (JWKS) and known to every node, so
    /// clients and nodes have it before the first token made with it; once a newer key activates it only validates.
    /// </summary>
    public DateTimeOffset ActivatesAt { get; set; }
}

public enum ServerKeyUse
{
    Signing = 1,
    Encryption = 2,
}
