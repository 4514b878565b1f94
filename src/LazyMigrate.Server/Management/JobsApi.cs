using System.Text.Json;
using LazyMigrate.Server.BulkImport;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.ResetCampaign;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using OpenIddict.Abstractions;
using static LazyMigrate.Server.Management.ManagementScopes;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/jobs: start bulk imports (a file upload or a pull source), follow any job, read its refused rows, pause, resume, cancel.</summary>
public static class JobsApi
{
    public const string UsersImportsPath = ManagementExtensions.Prefix + "/jobs/users-imports";

    /// <summary>An upload's largest size: far above any real user file, below what would fill a disk by mistake.</summary>
    public const long MaxUploadBytes = 64L * 1024 * 1024 * 1024;

    private const int MaxFieldBytes = 64 * 1024;

    private static readonly string[] JobScopes = [ImportUsers, ExportUsers];

    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder api)
    {
        var jobs = api.MapGroup("/jobs").WithTags("Jobs");
        jobs.MapPost("/users-imports", CreateUsersImport).RequireScope(ImportUsers).WithName("CreateUsersImport")
            .WithSummary("Start a bulk import")
            .Accepts<PullImportBody>("application/json", "multipart/form-data")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithDescription("multipart/form-data: the fields connection, format (auth0, jsonl, fusionauth, csv; detected when absent), " +
                "verify (email:password, repeated), columns (CSV: a JSON object of field to header), pageSize and rate, then the file as 'users', last. " +
                "application/json: a pull import, {\"connection\", \"source\": \"listUsers\", \"rate\", \"pageSize\"}.");
        jobs.MapPost("/reset-campaigns", CreateResetCampaign).RequireScope(ImportUsers).WithName("CreateResetCampaign")
            .WithSummary("Start a reset-email campaign")
            .Produces<JobView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .WithDescription("Emails a reset link, at emailsPerMinute (default 60), to every bulk-imported user with no usable password " +
                "and an address (of one connection, or of all when connection is left out). A job: follow, pause, resume and cancel it like an import.");
        jobs.MapGet("/", ListJobs).RequireAnyScope(JobScopes).WithName("ListJobs")
            .WithSummary("List jobs")
            .WithDescription("Newest first; follow next for older jobs. Lists the kinds the token may see (imports with import:users, exports with export:users).");
        jobs.MapGet("/{id:guid}", GetJob).RequireAnyScope(JobScopes).WithName("GetJob")
            .WithSummary("Get a job")
            .WithDescription("State, counts, refused rows by reason, total, progress, rate, estimated finish and error.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id:guid}/errors", ListJobErrors).RequireAnyScope(JobScopes).WithName("ListJobErrors")
            .WithSummary("List a job's refused rows")
            .WithDescription("The refused rows in file order: position, reason, detail, legacy id and address, never a hash; follow next.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id:guid}/pause", PauseJob).RequireAnyScope(JobScopes).WithName("PauseJob")
            .WithSummary("Pause a job")
            .WithDescription("Stops a pending or running job after its current page; 409 in any other state.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapPost("/{id:guid}/resume", ResumeJob).RequireAnyScope(JobScopes).WithName("ResumeJob")
            .WithSummary("Resume a job")
            .WithDescription("Lets any node go on with a paused job from its checkpoint; 409 unless paused.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapPost("/{id:guid}/cancel", CancelJob).RequireAnyScope(JobScopes).WithName("CancelJob")
            .WithSummary("Cancel a job")
            .WithDescription("Ends a job for good (what it wrote stays); 409 when it has already ended.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    /// <summary>Starts an import: a file streamed into the database as it arrives, or a pull from the connection's source script.</summary>
    public static async Task<Results<Accepted<JobView>, ValidationProblem, ProblemHttpResult>> CreateUsersImport(
        HttpContext http, ImportJobs imports, Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        CancellationToken cancellationToken)
    {
        var actor = ApiProblems.Actor(http.User);
        ImportStart start;
        if (http.Request.HasJsonContentType())
        {
            PullImportBody? body;
            try
            {
                body = await http.Request.ReadFromJsonAsync<PullImportBody>(json.Value.SerializerOptions, cancellationToken);
            }
            catch (JsonException ex)
            {
                var field = ex.Path is { Length: > 1 } path ? path.TrimStart('$', '.') : "body";
                return ApiProblems.Invalid(field, "Not a valid value of this field (or an unknown field).");
            }

            if (body is null)
            {
                return ApiProblems.Invalid("body", "Send {\"connection\", \"source\", \"rate\", \"pageSize\"}.");
            }

            start = await imports.StartPullAsync(new ImportRequest
            {
                Connection = body.Connection,
                Source = body.Source ?? "listUsers",
                Rate = body.Rate,
                PageSize = body.PageSize,
            }, actor, cancellationToken);
        }
        else if (MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            && HeaderUtilities.RemoveQuotes(type.Boundary).Value is { Length: > 0 and <= 200 } boundary)
        {
            // This route alone takes gigabytes: Kestrel's limit is raised for it before the body is read (see ErrorResponses).
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxUploadBytes;
            }

            var outcome = await ReadUploadAsync(new MultipartReader(boundary, http.Request.Body), imports, actor, cancellationToken);
            if (outcome.Errors is { } errors)
            {
                return ApiProblems.Invalid(errors);
            }

            start = outcome.Start!;
        }
        else
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send multipart/form-data with a 'users' file, or application/json for a pull import.");
        }

        return start switch
        {
            ImportStart.Started started => TypedResults.Accepted($"{ManagementExtensions.Prefix}/jobs/{started.Job.Id}", started.Job),
            ImportStart.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            _ => throw new InvalidOperationException("Unexpected result."),
        };
    }

    /// <summary>Starts a reset-email campaign for the users a bulk import brought without a usable password.</summary>
    public static async Task<Results<Accepted<JobView>, ValidationProblem>> CreateResetCampaign(
        ResetCampaignBody? body, HttpContext http, ResetCampaigns campaigns, CancellationToken cancellationToken) =>
        await campaigns.StartAsync(body?.Connection, body?.EmailsPerMinute, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            CampaignStart.Started started => TypedResults.Accepted($"{ManagementExtensions.Prefix}/jobs/{started.Job.Id}", started.Job),
            CampaignStart.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            _ => throw new InvalidOperationException("Unexpected result."),
        };

    /// <summary>Newest first; follow <c>next</c> for older jobs. Lists the kinds the token may see (imports, exports).</summary>
    public static async Task<Results<Ok<JobListResponse>, ValidationProblem>> ListJobs(
        HttpContext http, JobAdministration jobs, CancellationToken cancellationToken, int? limit = null, string? cursor = null)
    {
        if (limit is < 1 or > JobAdministration.MaxLimit)
        {
            return ApiProblems.Invalid("limit", $"Between 1 and {JobAdministration.MaxLimit}.");
        }

        if (!JobAdministration.IsValidCursor(cursor))
        {
            return ApiProblems.Invalid("cursor", "Not a cursor from a previous page.");
        }

        var kinds = Enum.GetValues<JobKind>().Where(k => http.User.HasScope(ScopeFor(k))).ToList();
        var (items, next) = await jobs.ListAsync(kinds, limit ?? 50, cursor, cancellationToken);
        return TypedResults.Ok(new JobListResponse(items, next is null ? null : ApiProblems.NextLink(http.Request, "cursor", next)));
    }

    /// <summary>State, counts, refused rows by reason, progress, rate and estimated finish.</summary>
    public static async Task<Results<Ok<JobView>, ProblemHttpResult>> GetJob(Guid id, HttpContext http, JobAdministration jobs, CancellationToken cancellationToken) =>
        await PermittedAsync(id, http, jobs, cancellationToken) is { } refusal ? refusal
        : await jobs.GetAsync(id, cancellationToken) is { } job ? TypedResults.Ok(job) : ApiProblems.NotFound("The job");

    /// <summary>The refused rows, in file order: position (line), reason, detail, legacy id and address; never a hash.</summary>
    public static async Task<Results<Ok<JobErrorListResponse>, ValidationProblem, ProblemHttpResult>> ListJobErrors(
        Guid id, HttpContext http, JobAdministration jobs, CancellationToken cancellationToken, int? limit = null, long? after = null)
    {
        if (limit is < 1 or > JobAdministration.MaxLimit)
        {
            return ApiProblems.Invalid("limit", $"Between 1 and {JobAdministration.MaxLimit}.");
        }

        if (await PermittedAsync(id, http, jobs, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var take = limit ?? 100;
        var errors = await jobs.ErrorsAsync(id, take, after, cancellationToken);
        if (errors is null)
        {
            return ApiProblems.NotFound("The job");
        }

        var next = errors.Count == take
            ? ApiProblems.NextLink(http.Request, "after", errors[^1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            : null;
        return TypedResults.Ok(new JobErrorListResponse(errors, next));
    }

    /// <summary>Stops a pending or running job after its current page; 409 in any other state.</summary>
    public static Task<Results<Ok<JobView>, ProblemHttpResult>> PauseJob(Guid id, HttpContext http, JobAdministration jobs, CancellationToken cancellationToken) =>
        ChangeAsync(id, http, jobs, jobs.PauseAsync, "paused", cancellationToken);

    /// <summary>Lets any node go on with a paused job from its checkpoint; 409 unless paused.</summary>
    public static Task<Results<Ok<JobView>, ProblemHttpResult>> ResumeJob(Guid id, HttpContext http, JobAdministration jobs, CancellationToken cancellationToken) =>
        ChangeAsync(id, http, jobs, jobs.ResumeAsync, "resumed", cancellationToken);

    /// <summary>Ends a job for good (what it wrote stays); 409 when it has already ended.</summary>
    public static Task<Results<Ok<JobView>, ProblemHttpResult>> CancelJob(Guid id, HttpContext http, JobAdministration jobs, CancellationToken cancellationToken) =>
        ChangeAsync(id, http, jobs, jobs.CancelAsync, "cancelled", cancellationToken);

    private static async Task<Results<Ok<JobView>, ProblemHttpResult>> ChangeAsync(Guid id, HttpContext http, JobAdministration jobs,
        Func<Guid, CancellationToken, Task<JobChange>> change, string verb, CancellationToken cancellationToken)
    {
        if (await PermittedAsync(id, http, jobs, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        return await change(id, cancellationToken) switch
        {
            JobChange.Done done => TypedResults.Ok(done.Job),
            JobChange.NotAllowed notAllowed => ApiProblems.Conflict($"A {notAllowed.State.ToString().ToLowerInvariant()} job cannot be {verb}."),
            _ => ApiProblems.NotFound("The job"),
        };
    }

    /// <summary>An import job needs import:users, an export job export:users; null when the token has it (or there is no such job).</summary>
    private static async Task<ProblemHttpResult?> PermittedAsync(Guid id, HttpContext http, JobAdministration jobs, CancellationToken cancellationToken)
    {
        var kind = await jobs.KindOfAsync(id, cancellationToken);
        return kind is { } known && !http.User.HasScope(ScopeFor(known)) ? ManagementScopes.MissingScope(http, ScopeFor(known)) : null;
    }

    private static string ScopeFor(JobKind kind) => kind == JobKind.UsersExport ? ExportUsers : ImportUsers;

    private static async Task<(ImportStart? Start, Dictionary<string, string[]>? Errors)> ReadUploadAsync(
        MultipartReader reader, ImportJobs imports, string actor, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var verify = new List<string>();
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
            {
                return (null, new() { ["body"] = ["Every part needs a form-data Content-Disposition with its field name."] });
            }

            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
            if (name == "users")
            {
                var request = Request(fields, verify, errors);
                if (errors.Count > 0)
                {
                    return (null, errors);
                }

                var start = await imports.StartUploadAsync(request, section.Body, actor, async ct =>
                    await reader.ReadNextSectionAsync(ct) is null ? null
                        : new() { ["users"] = ["Send the users file last: the fields that follow it cannot apply to a file already stored."] },
                    cancellationToken);
                return (start, null);
            }

            if (name is not ("connection" or "format" or "verify" or "columns" or "pageSize" or "rate"))
            {
                return (null, new() { [name.Length is > 0 and <= 64 ? name : "body"] = ["Unknown field. Fields: connection, format, verify, columns, pageSize, rate, users."] });
            }

            using var value = new StreamReader(section.Body);
            var buffer = new char[MaxFieldBytes + 1];
            var read = await value.ReadBlockAsync(buffer, cancellationToken);
            if (read > MaxFieldBytes)
            {
                return (null, new() { [name] = [$"At most {MaxFieldBytes / 1024} KB."] });
            }

            var text = new string(buffer, 0, read);
            if (name == "verify")
            {
                verify.Add(text);
            }
            else if (!fields.TryAdd(name, text))
            {
                return (null, new() { [name] = ["Given more than once."] });
            }
        }

        return (null, new() { ["users"] = ["Required: the file of users (the form field 'users', sent after the other fields)."] });
    }

    private static ImportRequest Request(Dictionary<string, string> fields, List<string> verify, Dictionary<string, string[]> errors)
    {
        int? Number(string name)
        {
            if (!fields.TryGetValue(name, out var text))
            {
                return null;
            }

            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }

            errors[name] = ["A whole number."];
            return null;
        }

        Dictionary<string, string>? columns = null;
        if (fields.TryGetValue("columns", out var json))
        {
            try
            {
                columns = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            }
            catch (JsonException)
            {
                errors["columns"] = ["A JSON object of field names to CSV header names, e.g. {\"email\": \"E-Mail\"}."];
            }
        }

        return new ImportRequest
        {
            Connection = fields.GetValueOrDefault("connection"),
            Format = fields.GetValueOrDefault("format"),
            Verify = verify,
            Columns = columns,
            PageSize = Number("pageSize"),
            Rate = Number("rate"),
        };
    }
}

/// <summary>The JSON body of a reset-email campaign: both fields optional.</summary>
public sealed record ResetCampaignBody(string? Connection, int? EmailsPerMinute);

/// <summary>The JSON body of a pull import.</summary>
public sealed record PullImportBody(string? Connection, string? Source, int? Rate, int? PageSize);

public sealed record JobListResponse(IReadOnlyList<JobView> Items, string? Next);

public sealed record JobErrorListResponse(IReadOnlyList<JobErrorView> Items, string? Next);
