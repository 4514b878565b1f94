using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Crypto;

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
/// One user of the source: the profile and, when the source has one, the legacy hash; or, for a row that cannot be
/// imported, why not. <see cref="Position"/> is the line of the file or the page's cursor, for the refused-rows report.
/// </summary>
public sealed record ImportRow(string Position, LegacyProfile? Profile, LegacyPasswordHash? PasswordHash, ImportRefusal? Refusal = null);

/// <summary>Why a row is refused: a short code to count by and a sentence for the administrator (never the hash).</summary>
public sealed record ImportRefusal(string Reason, string Detail);
