using LazyMigrate.Scripting;
using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.LegacyConnections;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkImport;

/// <summary>The fields of an import request, as the caller gave them (the API's form fields or JSON body, the console's form).</summary>
public sealed record ImportRequest
{
    public string? Connection { get; init; }

    /// <summary><c>file</c> (an upload) or a pull source such as <c>listUsers</c>.</summary>
    public string Source { get; init; } = FileUserSourceFactory.Key;

    public string? Format { get; init; }

    public int? Rate { get; init; }

    public int? PageSize { get; init; }

    /// <summary>CSV: field → header name.</summary>
    public Dictionary<string, string>? Columns { get; init; }

    /// <summary><c>email:password</c> pairs whose rows must verify before anything is written.</summary>
    public IReadOnlyList<string> Verify { get; init; } = [];
}

/// <summary>How creating an import ended.</summary>
public abstract record ImportStart
{
    private ImportStart()
    {
    }

    public sealed record Started(JobView Job) : ImportStart;

    /// <summary>Field → messages, in the caller's field names.</summary>
    public sealed record Invalid(Dictionary<string, string[]> Errors) : ImportStart;
}

/// <summary>
/// Creates import jobs: validates the request, stores an uploaded file as the job's chunks while it streams in, and
/// hands the job to the runners. A file job is invisible to runners (Paused, upload incomplete) until its last byte is
/// stored, so no node imports half a file.
/// </summary>
public sealed class ImportJobs(
    LazyMigrateDbContext db,
    IServiceScopeFactory scopes,
    IServiceProvider services,
    ILookupNormalizer normalizer,
    JobRunner runner,
    TimeProvider time,
    ILogger<ImportJobs> logger)
{
    public async Task<Dictionary<string, string[]>> ValidateAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Connection))
        {
            errors["connection"] = ["Required: the legacy connection the users come from."];
        }
        else if (request.Connection.Length > 128 || !await db.LegacyConnections.AnyAsync(c => c.Name == request.Connection, cancellationToken))
        {
            errors["connection"] = [$"No connection is named '{Printable(request.Connection)}'."];
        }

        if (request.Source == FileUserSourceFactory.Key)
        {
            if (request.Format is not null && !UserFileFormats.ByName.ContainsKey(request.Format))
            {
                errors["format"] = [$"One of {string.Join(", ", UserFileFormats.ByName.Keys)}, or leave it out to detect it."];
            }
        }
        else if (request.Source.Length > 32 || services.GetKeyedService<IUserSourceFactory>(request.Source) is null)
        {
            errors["source"] = [$"This server has no '{Printable(request.Source)}' import source. Sources: file (an upload){(services.GetKeyedService<IUserSourceFactory>("listUsers") is null ? "" : ", listUsers")}."];
        }

        else if (request.Source == "listUsers" && !errors.ContainsKey("connection") && !await db.ScriptVersions.AnyAsync(
                     s => s.Function == ScriptFunction.ListUsers && db.LegacyConnections.Any(c => c.Id == s.ConnectionId && c.Name == request.Connection), cancellationToken))
        {
            // Refused now rather than failing the job later: the connection cannot page through its users yet.
            errors["source"] = [$"The connection '{Printable(request.Connection!)}' has no listUsers script: add one before a pull import."];
        }

        if (request.Rate is < 1 or > ImportJobOptions.MaxRate)
        {
            errors["rate"] = [$"Users per second, between 1 and {ImportJobOptions.MaxRate}."];
        }

        if (request.PageSize is < 1 or > ImportJobOptions.MaxPageSize)
        {
            errors["pageSize"] = [$"Between 1 and {ImportJobOptions.MaxPageSize}."];
        }

        if (request.Columns?.FirstOrDefault(c => !CsvColumns.Fields.Contains(c.Key)) is { Key: not null } unknown)
        {
            errors["columns"] = [$"Unknown field '{Printable(unknown.Key)}'. Fields: {string.Join(", ", CsvColumns.Fields)}."];
        }

        if (request.Verify.Count > ImportJobOptions.MaxVerify)
        {
            errors["verify"] = [$"At most {ImportJobOptions.MaxVerify} samples."];
        }
        else if (request.Verify.Any(v => ImportSample.Parse(v) is null))
        {
            // Never echo the sample back: it holds a password.
            errors["verify"] = ["Each sample is email:password, with a valid address and a password."];
        }

        if (request.Source != FileUserSourceFactory.Key && request.Verify.Count > 0)
        {
            errors["verify"] = ["Samples are checked against a file; a pull import verifies each user as it is read."];
        }

        return errors;
    }

    /// <summary>A pull import (a source script pages through the legacy database): starts at once.</summary>
    public async Task<ImportStart> StartPullAsync(ImportRequest request, string requestedBy, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(request, cancellationToken) is { Count: > 0 } errors)
        {
            return new ImportStart.Invalid(errors);
        }

        var job = NewJob(request, requestedBy, JobState.Pending, uploadComplete: true);
        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        runner.Wake();
        logger.LogInformation("Import job {JobId} from source {Source} of connection {Connection} created by {Actor}", job.Id, job.Source, job.Connection, requestedBy);
        return new ImportStart.Started(JobView.From(job, new Dictionary<string, long>()));
    }

    /// <summary>
    /// A file import: stores <paramref name="file"/> (streamed, never whole in memory), detects the format if not named,
    /// checks the <c>verify</c> samples against the stored file (refused, with nothing written, when one fails), then starts.
    /// </summary>
    /// <param name="afterFile">Reads what follows the file in the request; errors there (fields sent after the file) drop the upload.</param>
    public async Task<ImportStart> StartUploadAsync(ImportRequest request, Stream file, string requestedBy,
        Func<CancellationToken, Task<Dictionary<string, string[]>?>> afterFile, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(request with { Source = FileUserSourceFactory.Key }, cancellationToken) is { Count: > 0 } errors)
        {
            return new ImportStart.Invalid(errors);
        }

        var job = NewJob(request with { Source = FileUserSourceFactory.Key }, requestedBy, JobState.Paused, uploadComplete: false);
        db.Jobs.Add(job);
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            var bytes = await JobFiles.WriteAsync(scopes, job.Id, file, cancellationToken);
            var trailing = await afterFile(cancellationToken);
            if (bytes == 0 || trailing is { Count: > 0 })
            {
                await DeleteAsync(job.Id);
                return new ImportStart.Invalid(trailing is { Count: > 0 } ? trailing : new() { ["users"] = ["The file is empty."] });
            }

            if (job.Format is null)
            {
                var prefix = new byte[64 * 1024];
                await using var stream = JobFiles.Open(scopes, job.Id);
                var read = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken);
                job.Format = UserFileFormats.Name(UserFileFormats.Detect(prefix.AsSpan(0, read)));
            }

            if (request.Verify.Count > 0)
            {
                string? failure;
                try
                {
                    failure = await ImportSamples.CheckAsync(new FileUserSourceFactory(scopes).Create(job), [.. request.Verify.Select(v => ImportSample.Parse(v)!)],
                        normalizer, cancellationToken);
                }
                catch (JobFailedException ex)
                {
                    await DeleteAsync(job.Id);
                    return new ImportStart.Invalid(new() { ["users"] = [ex.Message] });
                }

                if (failure is not null)
                {
                    // Refused before anything is written, and the passwords were never stored.
                    await DeleteAsync(job.Id);
                    return new ImportStart.Invalid(new() { ["verify"] = [failure] });
                }
            }

            job.Options = (ImportJobOptions.Read(job.Options) with { UploadComplete = true }).Serialize();
            job.State = JobState.Pending;
            job.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Import job {JobId} ({Format}, {Bytes} bytes) for connection {Connection} created by {Actor}",
                job.Id, job.Format, bytes, job.Connection, requestedBy);
        }
        catch
        {
            // The upload broke off (the client went away, the database failed): no half file stays behind.
            await DeleteAsync(job.Id);
            throw;
        }

        runner.Wake();
        return new ImportStart.Started(JobView.From(job, new Dictionary<string, long>()));
    }

    private Job NewJob(ImportRequest request, string requestedBy, JobState state, bool uploadComplete)
    {
        var now = time.GetUtcNow();
        var options = new ImportJobOptions
        {
            Rate = request.Rate,
            PageSize = request.PageSize ?? ImportJobOptions.DefaultPageSize,
            Columns = request.Columns,
            UploadComplete = uploadComplete,
        };
        return new Job
        {
            Id = Guid.CreateVersion7(),
            Kind = JobKind.UsersImport,
            State = state,
            Connection = request.Connection,
            Source = request.Source,
            Format = request.Format?.ToLowerInvariant(),
            Options = options.Serialize(),
            RequestedBy = requestedBy,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private async Task DeleteAsync(Guid id)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>().Jobs.Where(j => j.Id == id).ExecuteDeleteAsync(CancellationToken.None);
    }

    private static string Printable(string value) => value.Length > 64 ? value[..64] + "…" : value;
}
