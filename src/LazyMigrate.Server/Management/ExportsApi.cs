using LazyMigrate.Server.BulkExport;
using LazyMigrate.Server.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/jobs/users-exports and the file of a finished export: every user, hashes included, as JSON Lines.</summary>
public static class ExportsApi
{
    public const string ContentType = "application/x-ndjson";

    public static RouteGroupBuilder MapExportsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/jobs/users-exports", StartExport).WithTags("Jobs").RequireScope(ManagementScopes.ExportUsers).WithName("StartUsersExport")
            .WithSummary("Start an export of every user")
            .WithDescription("Starts a job that writes every user as JSON Lines in Auth0's import shape, hashes included; follow it at " +
                "/api/v1/jobs/{id}, then read its file.");
        api.MapGet("/jobs/{id:guid}/file", GetExportFile).WithTags("Jobs").RequireScope(ManagementScopes.ExportUsers).WithName("GetExportFile")
            .WithSummary("Download an export's file")
            .WithDescription("The completed export as JSON Lines (an attachment), streamed from the database by any node. 409 until the job " +
                "has completed, with its state, processed, total and error. The file holds password hashes: keep it like a database backup.")
            .Produces(StatusCodes.Status200OK, contentType: ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    /// <summary>Starts an export of every user; follow the job at <c>/api/v1/jobs/{id}</c>, then read its file.</summary>
    public static async Task<Accepted<JobView>> StartExport(HttpContext http, UserExports exports, CancellationToken cancellationToken)
    {
        var job = await exports.StartAsync(ApiProblems.Actor(http.User), cancellationToken);
        return TypedResults.Accepted($"{ManagementExtensions.Prefix}/jobs/{job.Id}", job);
    }

    /// <summary>
    /// The export's file as JSON Lines, streamed from the database (any node serves it); 409 until the job has
    /// completed, with its <c>state</c>, <c>processed</c>, <c>total</c> and <c>error</c>. The file holds password hashes: it is what the <c>export:users</c> scope is for.
    /// </summary>
    public static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> GetExportFile(Guid id, UserExports exports, CancellationToken cancellationToken) =>
        await exports.FindFileAsync(id, cancellationToken) switch
        {
            ExportFile.Ready => TypedResults.Stream(
                stream => exports.CopyFileAsync(id, stream, cancellationToken),
                ContentType,
                $"users-{id:D}.jsonl"),
            // The job's progress comes with the refusal, so a client with only export:users can wait on this one URL.
            ExportFile.NotReady { Job: var job } => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Not completed",
                detail: $"The export is {job.State.ToString().ToLowerInvariant()}; its file is there once it has completed.",
                extensions: new Dictionary<string, object?>
                {
                    ["state"] = job.State.ToString(),
                    ["processed"] = job.Counts.Processed,
                    ["total"] = job.Total,
                    ["error"] = job.Error,
                }),
            _ => ApiProblems.NotFound("The export job"),
        };
}
