using LazyMigrate.Scripting.Crypto;
using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.BulkImport;

/// <summary>A known address and its password, checked against the address's row before an import writes anything.</summary>
public sealed record ImportSample(string Email, string Password)
{
    /// <summary>Reads <c>email:password</c> (the password may hold colons); null when it is not one.</summary>
    public static ImportSample? Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 1 || colon == text.Length - 1 || Scripting.EmailAddresses.Normalise(text[..colon]) is null
            ? null
            : new ImportSample(text[..colon], text[(colon + 1)..]);
    }
}

/// <summary>
/// The <c>verify</c> option: finds each sample's row in the source and checks that its hash accepts the sample's
/// password, so a wrong encoding, salt or parameter is caught before the first real user meets it (Auth0's most
/// common import complaint is "Verification failed for the provided custom_password_hash"). The message names the
/// sample's address and the row, never a hash or a password.
/// </summary>
public static class ImportSamples
{
    /// <returns>Null when every sample verifies; otherwise why the first one does not.</returns>
    public static async Task<string?> CheckAsync(IUserSource source, IReadOnlyList<ImportSample> samples, ILookupNormalizer normalizer,
        CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, ImportSample>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            wanted.TryAdd(normalizer.NormalizeEmail(sample.Email)!, sample);
        }

        await foreach (var page in source.ReadAsync(null, cancellationToken))
        {
            foreach (var row in page.Rows)
            {
                if (row.Profile?.Email is not { } email || !wanted.Remove(normalizer.NormalizeEmail(email)!, out var sample))
                {
                    continue;
                }

                if (Check(row, sample) is { } failure)
                {
                    return failure;
                }
            }

            if (wanted.Count == 0)
            {
                return null;
            }
        }

        return $"Verification failed: no row has the address {string.Join(", ", wanted.Values.Select(s => s.Email))}; no user was written.";
    }

    private static string? Check(Scripting.UserFiles.ImportRow row, ImportSample sample)
    {
        if (row.Refusal is { } refusal)
        {
            return $"Verification failed for {sample.Email} ({row.Position}): the row is refused ({refusal.Reason}: {refusal.Detail}); no user was written.";
        }

        if (row.PasswordHash is not { } hash)
        {
            return $"Verification failed for {sample.Email} ({row.Position}): the row has no password hash; no user was written.";
        }

        try
        {
            return LegacyPasswordVerifier.Verify(sample.Password, hash)
                ? null
                : $"Verification failed for {sample.Email} ({row.Position}): the password does not verify against its {hash.Format} hash. " +
                  "Check the hash's encoding, salt and parameters; no user was written.";
        }
        catch (LegacyHashFormatException ex)
        {
            return $"Verification failed for {sample.Email} ({row.Position}): {ex.Message}; no user was written.";
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            // The decoder's own message may quote the value: say only which row and format.
            return $"Verification failed for {sample.Email} ({row.Position}): its {hash.Format} hash cannot be decoded with the encoding the row names; no user was written.";
        }
    }
}
