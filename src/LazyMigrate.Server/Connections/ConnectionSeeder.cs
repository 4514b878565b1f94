using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Connections;

/// <summary>
/// Applies the connections defined in configuration at start-up, idempotently (it runs under the start-up lock, so
/// nodes starting together do not race): settings are brought up to date, and a script file whose content changed
/// becomes a new numbered version.
/// </summary>
public sealed class ConnectionSeeder(
    LazyMigrateDbContext db,
    IOptions<ConnectionsOptions> options,
    ConnectionSecrets secrets,
    TimeProvider time,
    ILogger<ConnectionSeeder> logger) : IDatabaseSeeder
{
    public const string ConfigurationAuthor = "configuration";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var definitions = options.Value.Connections;
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
            entity.UpdatedAt = now;

            AddVersionIfChanged(entity, ScriptFunction.Login, definition.Scripts.Login, now);
            AddVersionIfChanged(entity, ScriptFunction.GetUser, definition.Scripts.GetUser, now);
            AddVersionIfChanged(entity, ScriptFunction.CountUsers, definition.Scripts.CountUsers, now);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private void AddVersionIfChanged(LegacyConnectionEntity connection, ScriptFunction function, string? path, DateTimeOffset now)
    {
        if (path is null)
        {
            return;
        }

        var content = File.ReadAllText(path);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        var latest = connection.Scripts.Where(s => s.Function == function).MaxBy(s => s.Version);
        if (latest?.ContentHash == hash)
        {
            return;
        }

        connection.Scripts.Add(new ScriptVersion
        {
            Function = function,
            Version = (latest?.Version ?? 0) + 1,
            Content = content,
            ContentHash = hash,
            Author = ConfigurationAuthor,
            CreatedAt = now,
        });
        logger.LogInformation("Connection {Connection}: {Function} script version {Version} from {Path}",
            connection.Name, function, (latest?.Version ?? 0) + 1, path);
    }
}
