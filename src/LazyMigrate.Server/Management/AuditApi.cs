using LazyMigrate.Server.Audit;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/audit: the audit trail, newest first.</summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", ListAuditEvents).WithTags("Audit").RequireScope(ManagementScopes.ReadLogs).WithName("ListAuditEvents")
            .WithSummary("List audit events")
            .WithDescription("Entries in [from, to), newest first, filtered by type, user, connection and reason; follow next for older ones.");
        return api;
    }

    /// <summary>Entries in [from, to), filtered by type, user, connection and reason; follow <c>next</c> for older ones.</summary>
    public static async Task<Results<Ok<AuditListResponse>, ValidationProblem>> ListAuditEvents(
        HttpContext http, AuditLog log, [AsParameters] AuditListRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        AuditEventType? type = null;
        if (request.Type is not null)
        {
            if (Enum.TryParse<AuditEventType>(request.Type, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            {
                type = parsed;
            }
            else
            {
                errors["type"] = [$"One of {string.Join(", ", Enum.GetNames<AuditEventType>())}."];
            }
        }

        if (request.Limit is < 1 or > AuditQuery.MaxLimit)
        {
            errors["limit"] = [$"Between 1 and {AuditQuery.MaxLimit}."];
        }

        if (request.From > request.To)
        {
            errors["from"] = ["'from' must not be after 'to'."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var page = await log.QueryAsync(new AuditQuery
        {
            From = request.From,
            To = request.To,
            Type = type,
            UserId = request.UserId,
            Connection = request.Connection,
            Reason = request.Reason,
            Limit = request.Limit ?? 100,
            Before = request.Before,
        }, cancellationToken);

        var next = page.NextBefore is { } before
            ? ApiProblems.NextLink(http.Request, "before", before.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : null;
        return TypedResults.Ok(new AuditListResponse(page.Items, next));
    }
}

/// <summary>Query string of <c>GET /api/v1/audit</c>, its names spelt as callers write them (see <see cref="UserListRequest"/>).</summary>
public sealed record AuditListRequest(
    [property: FromQuery(Name = "from")] DateTimeOffset? From,
    [property: FromQuery(Name = "to")] DateTimeOffset? To,
    [property: FromQuery(Name = "type")] string? Type,
    [property: FromQuery(Name = "userId")] Guid? UserId,
    [property: FromQuery(Name = "connection")] string? Connection,
    [property: FromQuery(Name = "reason")] string? Reason,
    [property: FromQuery(Name = "limit")] int? Limit,
    [property: FromQuery(Name = "before")] long? Before);

public sealed record AuditListResponse(IReadOnlyList<AuditEvent> Items, string? Next);
