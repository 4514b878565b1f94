using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.Jobs;

namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// Where an import's users come from: an uploaded file in one of the supported formats, or the connection's
/// <c>listUsers</c> script paging through the legacy database. The import job writes each page in one transaction
/// together with the page's checkpoint, so a resumed job asks the source for what follows that checkpoint.
/// </summary>
public interface IUserSource
{
    /// <summary>How many rows the source holds, when it can tell cheaply; null when not.</summary>
    Task<long?> CountAsync(CancellationToken cancellationToken);

    /// <summary>The rows after <paramref name="checkpoint"/> (null: from the start), a page at a time.</summary>
    IAsyncEnumerable<ImportPage> ReadAsync(string? checkpoint, CancellationToken cancellationToken);
}

/// <summary>Rows read together, and the checkpoint that says they have been.</summary>
public sealed record ImportPage(IReadOnlyList<ImportRow> Rows, string Checkpoint);

/// <summary>
/// Makes the source of an import job. Registered keyed by <see cref="Job.Source"/> (<c>file</c>, <c>listUsers</c>),
/// so each kind of source registers itself with its own feature.
/// </summary>
public interface IUserSourceFactory
{
    IUserSource Create(Job job);
}
