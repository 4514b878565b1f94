using LazyMigrate.Scripting;

namespace LazyMigrate.Server.LegacyConnections;

public enum ConnectionState
{
    /// <summary>Lazy migration on: users unknown to our store are looked up with the connection's scripts.</summary>
    Importing,

    /// <summary>Scripts never run again; users who never came over are reachable only through bulk import or reset.</summary>
    Disconnected,
}

/// <summary>A legacy user store and how to reach it. Secrets (the database connection string, secret settings) are stored protected.</summary>
public sealed class LegacyConnectionEntity
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public ConnectionState State { get; set; }

    /// <summary>Connections are asked in ascending order; the first that knows a user wins.</summary>
    public int Order { get; set; }

    public LegacyDatabaseProvider DatabaseProvider { get; set; }

    /// <summary>The legacy database connection string, protected with Data Protection (it usually holds a password).</summary>
    public string? ProtectedDatabaseConnectionString { get; set; }

    /// <summary>Settings scripts read as <c>configuration</c>/<c>env</c>: a JSON object, protected as a whole.</summary>
    public string? ProtectedSettings { get; set; }

    /// <summary>Keys of settings that are secrets (never shown, redacted from script logs).</summary>
    public List<string> SecretSettings { get; set; } = [];

    public List<string> HttpAllowList { get; set; } = [];

    public int TimeoutMilliseconds { get; set; } = 5_000;

    public int MaxConcurrentCalls { get; set; } = 32;

    public int MaxQueuedCalls { get; set; } = 1024;

    /// <summary>
    /// Whether this legacy system's addresses are proven even when its profiles do not say <c>emailVerified</c>. Only then
    /// may it sign in a person whose address an earlier connection also knows (see the README's account-takeover guard).
    /// </summary>
    public bool TrustEmails { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// The configuration definition last applied (protected: it holds the connection string). Start-up re-applies
    /// configuration only when it differs, so changes made since through the API or the console survive a restart.
    /// </summary>
    public string? ProtectedConfiguredDefinition { get; set; }

    public List<ScriptVersion> Scripts { get; set; } = [];

    /// <summary>The row version (PostgreSQL xmin), for ETags and optimistic concurrency.</summary>
    public uint Version { get; set; }
}

/// <summary>One saved version of one of a connection's scripts. Versions are never edited: a change or a rollback adds one.</summary>
public sealed class ScriptVersion
{
    public long Id { get; set; }

    public Guid ConnectionId { get; set; }

    public ScriptFunction Function { get; set; }

    public int Version { get; set; }

    public required string Content { get; set; }

    /// <summary>SHA-256 of the content, hex: tells whether a script file changed since the last version.</summary>
    public required string ContentHash { get; set; }

    public required string Author { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>The scripts a connection has.</summary>
public enum ScriptFunction
{
    Login,
    GetUser,
    CountUsers,

    /// <summary>Optional: pages through the legacy users for a pull import.</summary>
    ListUsers,
}
