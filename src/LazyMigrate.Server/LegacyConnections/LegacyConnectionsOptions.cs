using LazyMigrate.Scripting;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.LegacyConnections;

/// <summary><c>LazyMigrate__Connections__N__…</c>: legacy connections defined in configuration, applied at start-up.</summary>
public sealed class LegacyConnectionsOptions
{
    public List<ConnectionDefinition> Connections { get; set; } = [];
}

public sealed class ConnectionDefinition
{
    public string? Name { get; set; }

    public ConnectionState State { get; set; } = ConnectionState.Importing;

    public DatabaseDefinition Database { get; set; } = new();

    public ScriptFiles Scripts { get; set; } = new();

    public Dictionary<string, string> Settings { get; set; } = [];

    /// <summary>Keys of <see cref="Settings"/> that are secrets.</summary>
    public List<string> SecretSettings { get; set; } = [];

    public List<string> HttpAllowList { get; set; } = [];

    /// <summary>Deadline of one script call, legacy I/O and waiting for a free slot included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Script calls running against this legacy system at once (the bulkhead protecting it).</summary>
    public int MaxConcurrentCalls { get; set; } = 32;

    /// <summary>Calls allowed to wait for a slot; beyond it, logins fail fast with "try again later".</summary>
    public int MaxQueuedCalls { get; set; } = 1024;

    /// <summary>Treat this system's addresses as verified (<c>__TrustEmails</c>); false unless its sign-up proved them.</summary>
    public bool TrustEmails { get; set; }
}

public sealed class DatabaseDefinition
{
    /// <summary>postgres, mysql, sqlserver, sqlite or none.</summary>
    public string Provider { get; set; } = "none";

    public string? ConnectionString { get; set; }

    /// <summary>Every accepted spelling of <see cref="Provider"/>.</summary>
    public static readonly IReadOnlyList<string> ProviderNames = ["postgres", "postgresql", "mysql", "mariadb", "sqlserver", "mssql", "sqlite", "none"];

    public static bool IsKnownProvider(string provider) => ProviderNames.Contains(provider.ToLowerInvariant());

    public LegacyDatabaseProvider ParsedProvider => Provider.ToLowerInvariant() switch
    {
        "postgres" or "postgresql" => LegacyDatabaseProvider.Postgres,
        "mysql" or "mariadb" => LegacyDatabaseProvider.MySql,
        "sqlserver" or "mssql" => LegacyDatabaseProvider.SqlServer,
        "sqlite" => LegacyDatabaseProvider.Sqlite,
        _ => LegacyDatabaseProvider.None,
    };
}

/// <summary>Paths of script files; a changed file becomes a new script version at the next start.</summary>
public sealed class ScriptFiles
{
    public string? Login { get; set; }

    public string? GetUser { get; set; }

    public string? CountUsers { get; set; }

    public string? ListUsers { get; set; }
}

public sealed class LegacyConnectionsOptionsValidator : IValidateOptions<LegacyConnectionsOptions>
{
    public ValidateOptionsResult Validate(string? name, LegacyConnectionsOptions options)
    {
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Connections.Count; i++)
        {
            var connection = options.Connections[i];
            var key = $"LazyMigrate:Connections:{i}";
            if (string.IsNullOrWhiteSpace(connection.Name))
            {
                failures.Add($"{key}:Name (LazyMigrate__Connections__{i}__Name) is required.");
                continue;
            }

            if (!names.Add(connection.Name))
            {
                failures.Add($"{key}:Name: connection '{connection.Name}' is defined twice.");
            }

            if (!DatabaseDefinition.IsKnownProvider(connection.Database.Provider))
            {
                failures.Add($"{key}:Database:Provider must be one of postgres, mysql, sqlserver, sqlite or none.");
            }

            if (connection.Timeout <= TimeSpan.Zero || connection.Timeout > TimeSpan.FromMinutes(2))
            {
                failures.Add($"{key}:Timeout must be between 0 and 2 minutes.");
            }

            if (connection.MaxConcurrentCalls < 1 || connection.MaxQueuedCalls < 0)
            {
                failures.Add($"{key}:MaxConcurrentCalls must be at least 1 and MaxQueuedCalls at least 0.");
            }

            foreach (var (function, path) in new[] { ("Login", connection.Scripts.Login), ("GetUser", connection.Scripts.GetUser), ("CountUsers", connection.Scripts.CountUsers), ("ListUsers", connection.Scripts.ListUsers) })
            {
                if (path is not null && !File.Exists(path))
                {
                    failures.Add($"{key}:Scripts:{function}: file '{path}' does not exist.");
                }
            }

            if (connection.State == ConnectionState.Importing && connection.Scripts.Login is null)
            {
                failures.Add($"{key}:Scripts:Login: an Importing connection needs a login script.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
