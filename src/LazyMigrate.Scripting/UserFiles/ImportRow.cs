using LazyMigrate.Scripting.Crypto;

namespace LazyMigrate.Scripting.UserFiles;

/// <summary>
/// One user of an import's source (a file's row, an entry of a <c>listUsers</c> page): the profile and, when the
/// source has one, the legacy hash; or, for a row that cannot be imported, why not. <see cref="Position"/> is the line
/// of the file or the page's cursor, for the refused-rows report. Shared by the server's import jobs and the command
/// line's offline check, so both read a file the same way.
/// </summary>
public sealed record ImportRow(string Position, LegacyProfile? Profile, LegacyPasswordHash? PasswordHash, ImportRefusal? Refusal = null)
{
    /// <summary>The legacy system had blocked the user (Auth0's <c>blocked</c>, FusionAuth's <c>active: false</c>): imported blocked.</summary>
    public bool Blocked { get; init; }
}

/// <summary>Why a row is refused: a short code to count by and a sentence for the administrator (never the hash).</summary>
public sealed record ImportRefusal(string Reason, string Detail);
