using System.Security.Cryptography;
using System.Text;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LazyMigrate.Server.LegacyConnections;

public sealed record ScriptView(string Connection, ScriptFunction Function, int Version, string Content, string Author, DateTimeOffset CreatedAt)
{
    /// <summary>A script's ETag is its version: any save in between makes an older one stale.</summary>
    public string ETag => ScriptETag(Version);

    public static string ScriptETag(int version) => $"\"v{version}\"";
}

public sealed record ScriptVersionSummary(int Version, string ContentHash, string Author, DateTimeOffset CreatedAt, int Length);

/// <summary>
/// A connection's scripts, versioned: saved (only if they parse), listed, rolled back, never edited in place. A new
/// version reaches the login path of this node at once and of other nodes within the catalog's cache time.
/// </summary>
public sealed class ScriptVersions(
    LazyMigrateDbContext db,
    LegacyConnectionCatalog catalog,
    ILegacyUserScripts scripts,
    AuditTrail audit,
    TimeProvider time,
    ILogger<ScriptVersions> logger)
{
    public const int MaxScriptLength = 256 * 1024;

    public async Task<ScriptView?> GetScriptAsync(string name, ScriptFunction function, int? version, CancellationToken cancellationToken)
    {
        var query = from s in db.ScriptVersions.AsNoTracking()
                    join c in db.LegacyConnections on s.ConnectionId equals c.Id
                    where c.Name == name && s.Function == function && (version == null || s.Version == version)
                    orderby s.Version descending
                    select s;
        var script = await query.FirstOrDefaultAsync(cancellationToken);
        return script is null ? null : new ScriptView(name, function, script.Version, script.Content, script.Author, script.CreatedAt);
    }

    public async Task<IReadOnlyList<ScriptVersionSummary>?> ListVersionsAsync(string name, ScriptFunction function, CancellationToken cancellationToken)
    {
        var connection = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (connection is null)
        {
            return null;
        }

        return await db.ScriptVersions.AsNoTracking()
            .Where(s => s.ConnectionId == connection.Id && s.Function == function)
            .OrderByDescending(s => s.Version)
            .Select(s => new ScriptVersionSummary(s.Version, s.ContentHash, s.Author, s.CreatedAt, s.Content.Length))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Saves <paramref name="content"/> as the next version, if it parses and nobody saved since <paramref name="ifMatch"/>.</summary>
    /// <param name="ifMatch">The script ETag the editor started from; required once a version exists (<c>*</c> overrides).</param>
    public async Task<ConnectionResult> SaveScriptAsync(string name, ScriptFunction function, string? content, string? ifMatch, string actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return new ConnectionResult.Invalid(new Dictionary<string, string[]> { ["content"] = ["The script is empty."] });
        }

        if (content.Length > MaxScriptLength)
        {
            return new ConnectionResult.Invalid(new Dictionary<string, string[]> { ["content"] = [$"Scripts are limited to {MaxScriptLength / 1024} KB."] });
        }

        var validation = scripts.Validate(content);
        if (!validation.IsValid)
        {
            return new ConnectionResult.Invalid(new Dictionary<string, string[]>
            {
                ["content"] = validation.Errors.Select(e => $"Line {e.Line}, column {e.Column}: {e.Message}").ToArray(),
            }, validation.Errors);
        }

        return await AddVersionAsync(name, function, content, ifMatch, actor, detail: null, cancellationToken);
    }

    /// <summary>Makes an earlier version current again by saving its content as a new version (history is never rewritten).</summary>
    public async Task<ConnectionResult> RollbackAsync(string name, ScriptFunction function, int version, string? ifMatch, string actor, CancellationToken cancellationToken)
    {
        var earlier = await GetScriptAsync(name, function, version, cancellationToken);
        if (earlier is null)
        {
            return new ConnectionResult.NotFound();
        }

        return await AddVersionAsync(name, function, earlier.Content, ifMatch ?? "*", actor, $"rollback to version {version}", cancellationToken);
    }

    private async Task<ConnectionResult> AddVersionAsync(string name, ScriptFunction function, string content, string? ifMatch, string actor, string? detail, CancellationToken cancellationToken)
    {
        var entity = await db.LegacyConnections.AsNoTracking().SingleOrDefaultAsync(c => c.Name == name, cancellationToken);
        if (entity is null)
        {
            return new ConnectionResult.NotFound();
        }

        var latest = await db.ScriptVersions.AsNoTracking()
            .Where(s => s.ConnectionId == entity.Id && s.Function == function)
            .OrderByDescending(s => s.Version)
            .FirstOrDefaultAsync(cancellationToken);
        var current = latest?.Version ?? 0;
        if (current > 0 && ifMatch != "*" && ifMatch != ScriptView.ScriptETag(current))
        {
            return new ConnectionResult.Stale(ScriptView.ScriptETag(current));
        }

        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        if (latest is not null && latest.ContentHash == hash)
        {
            // Shipping the same file again (a deployment re-run) is not a change: no new version, no audit entry.
            return new ConnectionResult.Done<ScriptView>(new ScriptView(name, function, latest.Version, latest.Content, latest.Author, latest.CreatedAt));
        }

        var version = new ScriptVersion
        {
            ConnectionId = entity.Id,
            Function = function,
            Version = current + 1,
            Content = content,
            ContentHash = hash,
            Author = actor,
            CreatedAt = time.GetUtcNow(),
        };
        db.ScriptVersions.Add(version);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another save took this version number between our read and our insert.
            db.ChangeTracker.Clear();
            return new ConnectionResult.Stale(ScriptView.ScriptETag(current + 1));
        }

        catalog.Invalidate();
        await audit.RecordAsync(AuditEventType.ScriptChanged, connection: name,
            detail: $"{function} script version {version.Version}" + (detail is null ? "" : $" ({detail})"), actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Connection {Connection}: {Function} script version {Version} saved by {Actor}", name, function, version.Version, actor);
        return new ConnectionResult.Done<ScriptView>(new ScriptView(name, function, version.Version, content, actor, version.CreatedAt));
    }
}

/// <summary>The names scripts have in routes, settings and the console: login, getUser, countUsers, listUsers.</summary>
public static class ScriptFunctionNames
{
    public static string Camel(ScriptFunction function) => function switch
    {
        ScriptFunction.Login => "login",
        ScriptFunction.GetUser => "getUser",
        ScriptFunction.ListUsers => "listUsers",
        _ => "countUsers",
    };

    public static ScriptFunction? Parse(string value) => value.ToLowerInvariant() switch
    {
        "login" => ScriptFunction.Login,
        "getuser" => ScriptFunction.GetUser,
        "countusers" => ScriptFunction.CountUsers,
        "listusers" => ScriptFunction.ListUsers,
        _ => null,
    };
}
