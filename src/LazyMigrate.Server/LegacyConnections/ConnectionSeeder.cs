using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.LegacyConnections;

/// <summary>
/// Applies the connections defined in configuration at start-up, idempotently (it runs under the start-up lock, so
/// nodes starting together do not race). Configuration wins when it changes: settings are re-applied when the definition
/// differs from the one last applied, and a script file becomes a new numbered version when it differs from the last
/// version configuration supplied. Edits made through the API or the console in between are left alone.
/// </summary>
public sealed class ConnectionSeeder(
    LazyMigrateDbContext db,
    IOptions<LegacyConnectionsOptions> options,
    ConnectionSecrets secrets,
    Audit.AuditTrail audit,
    TimeProvider time,
    ILogger<ConnectionSeeder> logger) : IDatabaseSeeder
{
    public const string ConfigurationAuthor = "configuration";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var definitions = options.Value.Connections;
        var changes = new List<(string Connection, ScriptVersion Version)>();
        for (var order = 0; order < definitions.Count; order++)
        {
            var definition = definitions[order];
            var entity = await db.LegacyConnections.Include(c => c.Scripts)
                .SingleOrDefaultAsync(c => c.Name == definition.Name, cancellationToken);
            if (entity is null)
            {
                entity = new LegacyConnectionEntity { Id = Guid.CreateVersion7(), Name = definition.Name!, CreatedAt = now };
                db.LegacyConnections.Add(entity);
            }

            var applied = JsonSerializer.Serialize(new { definition.State, order, definition.Database, definition.Settings,
                definition.SecretSettings, definition.HttpAllowList, definition.Timeout, definition.MaxConcurrentCalls, definition.MaxQueuedCalls, definition.TrustEmails });
            if (secrets.Unprotect(entity.ProtectedConfiguredDefinition) != applied)
            {
                entity.State = definition.State;
                entity.Order = order;
                entity.DatabaseProvider = definition.Database.ParsedProvider;
                entity.ProtectedDatabaseConnectionString = secrets.Protect(definition.Database.ConnectionString);
                entity.ProtectedSettings = secrets.Protect(JsonSerializer.Serialize(definition.Settings));
                entity.SecretSettings = definition.SecretSettings;
                entity.HttpAllowList = definition.HttpAllowList;
                entity.TimeoutMilliseconds = (int)definition.Timeout.TotalMilliseconds;
                entity.MaxConcurrentCalls = definition.MaxConcurrentCalls;
                entity.MaxQueuedCalls = definition.MaxQueuedCalls;
                entity.TrustEmails = definition.TrustEmails;
                entity.ProtectedConfiguredDefinition = secrets.Protect(applied);
                entity.UpdatedAt = now;
            }

            changes.AddRange(new[]
                {
                    AddVersionIfChanged(entity, ScriptFunction.Login, definition.Scripts.Login, now),
                    AddVersionIfChanged(entity, ScriptFunction.GetUser, definition.Scripts.GetUser, now),
                    AddVersionIfChanged(entity, ScriptFunction.CountUsers, definition.Scripts.CountUsers, now),
                    AddVersionIfChanged(entity, ScriptFunction.ListUsers, definition.Scripts.ListUsers, now),
                }.OfType<ScriptVersion>().Select(v => (entity.Name, v)));
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var (connection, version) in changes)
        {
            await audit.RecordAsync(Audit.AuditEventType.ScriptChanged, connection: connection,
                detail: $"{version.Function} script version {version.Version} by {version.Author}", cancellationToken: cancellationToken);
        }
    }

    private ScriptVersion? AddVersionIfChanged(LegacyConnectionEntity connection, ScriptFunction function, string? path, DateTimeOffset now)
    {
        if (path is null)
        {
            return null;
        }

        var content = File.ReadAllText(path);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        var versions = connection.Scripts.Where(s => s.Function == function).ToList();
        var fromConfiguration = versions.Where(s => s.Author == ConfigurationAuthor).MaxBy(s => s.Version);
        if (fromConfiguration?.ContentHash == hash || (fromConfiguration is null && versions.MaxBy(s => s.Version)?.ContentHash == hash))
        {
            return null;
        }

        var latest = versions.MaxBy(s => s.Version);

        var version = new ScriptVersion
        {
            Function = function,
            Version = (latest?.Version ?? 0) + 1,
            Content = content,
            ContentHash = hash,
            Author = ConfigurationAuthor,
            CreatedAt = now,
        };
        connection.Scripts.Add(version);
        logger.LogInformation("Connection {Connection}: {Function} script version {Version} from {Path}",
            connection.Name, function, version.Version, path);
        return version;
    }
}
