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

    /// <summary>
    /// The user's accounts in other legacy systems, as an export of LazyMigrate (or Auth0's user export) lists them in
    /// <c>identities</c>: a re-import keeps them, so an export → import round trip loses none.
    /// </summary>
    public IReadOnlyList<CarriedIdentity> Identities { get; init; } = [];
}

/// <summary>One entry of a row's <c>identities</c>: a connection and the user's id there, with the address and profile it had.</summary>
/// <param name="Profile">The profile at that connection, as JSON (an object), or null.</param>
public sealed record CarriedIdentity(string Connection, string LegacyId, string? Email, bool EmailVerified, string? Profile);

/// <summary>Why a row is refused: a short code to count by and a sentence for the administrator (never the hash).</summary>
public sealed record ImportRefusal(string Reason, string Detail);
