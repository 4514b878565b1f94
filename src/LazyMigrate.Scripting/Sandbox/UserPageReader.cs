using System.Globalization;
using System.Text.Json;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.UserFiles;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>
/// Reads what <c>listUsers</c> returned, <c>{users: [...], nextCursor}</c>, into a <see cref="ScriptOutcome.Listed"/>.
/// The page as a whole must be well formed (an object with a <c>users</c> array, no more users than asked for, a
/// usable cursor), or the call fails; a single bad entry only becomes a refused entry with its reason, so one odd
/// row in the legacy database never stops an import. The hash fields are taken out of each entry before the profile
/// is read, so a hash can never end up in a user's metadata.
/// </summary>
internal static class UserPageReader
{
    private static readonly string[] HashFields = ["passwordHash", "password_hash", "customPasswordHash", "custom_password_hash"];

    public static ScriptOutcome Read(object? value, int limit)
    {
        if (value is null)
        {
            // Nothing at all: read as the end of the list.
            return new ScriptOutcome.Listed([], null);
        }

        if (value is not IReadOnlyDictionary<string, object?> page || page.GetValueOrDefault("users") is not IReadOnlyList<object?> users)
        {
            return Invalid("listUsers must return {users: [...], nextCursor}");
        }

        if (users.Count > limit)
        {
            return Invalid($"listUsers returned {users.Count} users; at most {limit} were asked for");
        }

        string? next;
        switch (page.GetValueOrDefault("nextCursor") ?? page.GetValueOrDefault("next_cursor"))
        {
            case null:
                next = null;
                break;
            case string s:
                next = s.Length == 0 ? null : s;
                break;
            case double d when Math.Floor(d) == d:
                next = d.ToString("R", CultureInfo.InvariantCulture);
                break;
            default:
                return Invalid("listUsers' nextCursor must be a string, a whole number or null");
        }

        if (next is { Length: > ListUsersLimits.MaxCursorLength })
        {
            return Invalid($"listUsers' nextCursor is longer than {ListUsersLimits.MaxCursorLength} characters");
        }

        return new ScriptOutcome.Listed([.. users.Select(ReadEntry)], next);
    }

    private static ListedUser ReadEntry(object? entry)
    {
        if (entry is not IReadOnlyDictionary<string, object?> fields)
        {
            return Refused("InvalidProfile", "the entry is not an object");
        }

        var profileFields = fields.Where(f => !HashFields.Contains(f.Key, StringComparer.Ordinal)).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        var (profile, problem) = ProfileNormaliser.Normalise(profileFields);
        if (profile is null)
        {
            return Refused("InvalidProfile", problem!, LegacyIdOf(fields));
        }

        var text = fields.GetValueOrDefault("passwordHash") ?? fields.GetValueOrDefault("password_hash");
        var custom = fields.GetValueOrDefault("customPasswordHash") ?? fields.GetValueOrDefault("custom_password_hash");
        try
        {
            var hash = (text, custom) switch
            {
                (null, null) => null,
                (not null, not null) => throw new LegacyHashFormatException("the entry has both passwordHash and customPasswordHash; give one"),
                (string s, null) when s.Trim().Length > 0 => new LegacyPasswordHash
                {
                    // A self-describing string (bcrypt, PHC, {SSHA}, Django, phpass...) names its own format.
                    Algorithm = LegacyPasswordVerifier.Detect(s.Trim()),
                    Hash = new LegacyPasswordHash.HashPart { Value = s.Trim() },
                },
                (string, null) => null,
                (_, null) => throw new LegacyHashFormatException("passwordHash must be a string"),
                (null, IReadOnlyDictionary<string, object?> descriptor) => LegacyPasswordHash.FromAuth0(JsonSerializer.SerializeToNode(descriptor)!),
                _ => throw new LegacyHashFormatException("customPasswordHash must be an object in the shape of Auth0's custom_password_hash"),
            };
            return new ListedUser(profile, hash, null, profile.Id);
        }
        catch (LegacyHashFormatException ex)
        {
            // The reason only: the message of a hash reader never carries the hash itself.
            return Refused("InvalidHash", ex.Message, profile.Id);
        }
    }

    private static string? LegacyIdOf(IReadOnlyDictionary<string, object?> fields) =>
        (fields.GetValueOrDefault("id") ?? fields.GetValueOrDefault("user_id")) switch
        {
            string s when s.Length is > 0 and <= 255 => s,
            double d when Math.Floor(d) == d => d.ToString("R", CultureInfo.InvariantCulture),
            _ => null,
        };

    private static ListedUser Refused(string reason, string detail, string? legacyId = null) =>
        new(null, null, new ImportRefusal(reason, detail), legacyId);

    private static ScriptOutcome.Failed Invalid(string message) => new(ScriptFailureReason.InvalidProfile, message);
}
