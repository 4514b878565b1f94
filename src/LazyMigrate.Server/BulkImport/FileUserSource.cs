using System.Globalization;
using System.Runtime.CompilerServices;
using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.Jobs;

namespace LazyMigrate.Server.BulkImport;

/// <summary>The <c>file</c> source: the job's uploaded file, read with the shared readers. The checkpoint is the number of rows read.</summary>
public sealed class FileUserSourceFactory(IServiceScopeFactory scopes) : IUserSourceFactory
{
    public const string Key = "file";

    public IUserSource Create(Job job) => new FileUserSource(scopes, job);
}

internal sealed class FileUserSource(IServiceScopeFactory scopes, Job job) : IUserSource
{
    private readonly ImportJobOptions _options = ImportJobOptions.Read(job.Options);

    private UserFileFormat Format => job.Format is { } name && UserFileFormats.ByName.TryGetValue(name, out var format)
        ? format
        : throw new JobFailedException($"The file format '{job.Format}' is not known.");

    public async Task<long?> CountAsync(CancellationToken cancellationToken)
    {
        await using var stream = JobFiles.Open(scopes, job.Id);
        try
        {
            return await UserFileReader.CountAsync(stream, Format, cancellationToken);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
        {
            throw new JobFailedException($"The file cannot be read: {ex.Message}.");
        }
    }

    public async IAsyncEnumerable<ImportPage> ReadAsync(string? checkpoint, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var done = checkpoint is null ? 0 : long.Parse(checkpoint, CultureInfo.InvariantCulture);
        await using var stream = JobFiles.Open(scopes, job.Id);
        var rows = UserFileReader.ReadAsync(stream, Format, new CsvColumns(_options.Columns), done, cancellationToken);
        var page = new List<ImportRow>(_options.PageSize);
        await using var reader = rows.GetAsyncEnumerator(cancellationToken);
        while (await NextAsync(reader))
        {
            page.Add(reader.Current);
            if (page.Count == _options.PageSize)
            {
                done += page.Count;
                yield return new ImportPage(page, done.ToString(CultureInfo.InvariantCulture));
                page = new List<ImportRow>(_options.PageSize);
            }
        }

        if (page.Count > 0)
        {
            done += page.Count;
            yield return new ImportPage(page, done.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static async ValueTask<bool> NextAsync(IAsyncEnumerator<ImportRow> reader)
    {
        try
        {
            return await reader.MoveNextAsync();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
        {
            // The file is not of its format past this point (a JSON array broken in the middle): what came before is imported.
            throw new JobFailedException($"The file cannot be read further: {ex.Message}.");
        }
    }
}
