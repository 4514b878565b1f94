using System.CommandLine;
using LazyMigrate.Scripting;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.UserFiles;

namespace LazyMigrate.Cli;

public static partial class ImportCommands
{
    /// <summary>Refused rows listed by <c>import check</c>; the counts by reason cover all of them.</summary>
    public const int RefusedRowsListed = 50;

    /// <summary>
    /// <c>import check FILE [--format F] [--sample EMAIL:PASSWORD]...</c>: reads the file offline with the readers the
    /// server's import jobs use (streamed, so a file of any size), and prints its format, the rows per hash format, the
    /// refused rows with their line and reason, and whether each sample's password verifies against its row's hash,
    /// the check that catches a wrong hash encoding before real users meet it. No server, no hash ever printed.
    /// </summary>
    private static Command CreateCheck(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "the users file" };
        var format = new Option<string?>("--format") { Description = "auth0, jsonl, fusionauth or csv (detected when omitted)" };
        var samples = new Option<string[]>("--sample") { Description = "a known EMAIL:PASSWORD whose row's hash must verify (repeatable)" };
        var command = new Command("check", "read a users file offline: formats, counts, refused rows, sample passwords") { file, format, samples };
        command.SetAction(async (parsed, token) =>
        {
            var path = parsed.GetRequiredValue(file);
            if (!path.Exists)
            {
                throw new CliException($"{path.FullName}: no such file");
            }

            var wanted = new Dictionary<string, (string Email, string Password)>(StringComparer.Ordinal);
            foreach (var sample in parsed.GetValue(samples) ?? [])
            {
                var colon = sample.IndexOf(':', StringComparison.Ordinal);
                var address = colon > 0 ? EmailAddresses.Normalise(sample[..colon]) : null;
                if (address is null || colon == sample.Length - 1)
                {
                    // Never echoed: it holds a password.
                    throw new CliException("each --sample is EMAIL:PASSWORD, with a valid address and a password");
                }

                wanted[address.ToUpperInvariant()] = (address, sample[(colon + 1)..]);
            }

            var fileFormat = await FormatAsync(path, parsed.GetValue(format), token);
            long rows = 0;
            var byHash = new SortedDictionary<string, long>(StringComparer.Ordinal);
            var byReason = new SortedDictionary<string, long>(StringComparer.Ordinal);
            var refused = new List<ImportRow>();
            var found = new Dictionary<string, ImportRow>(StringComparer.Ordinal);
            await using (var stream = path.OpenRead())
            {
                try
                {
                    await foreach (var row in UserFileReader.ReadAsync(stream, fileFormat, cancellationToken: token))
                    {
                        rows++;
                        if (row.Refusal is { } refusal)
                        {
                            byReason[refusal.Reason] = byReason.GetValueOrDefault(refusal.Reason) + 1;
                            if (refused.Count < RefusedRowsListed)
                            {
                                refused.Add(row);
                            }

                            continue;
                        }

                        var kind = row.PasswordHash?.Format ?? "none (reset required)";
                        byHash[kind] = byHash.GetValueOrDefault(kind) + 1;
                        if (row.Profile?.Email is { } email && wanted.ContainsKey(email.ToUpperInvariant()))
                        {
                            found[email.ToUpperInvariant()] = row;
                        }
                    }
                }
                catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException)
                {
                    throw new CliException($"{path.Name} cannot be read as {UserFileFormats.Name(fileFormat)}: {ex.Message}");
                }
            }

            await output.WriteLineAsync($"{path.Name}: {UserFileFormats.Name(fileFormat)}, {rows:N0} rows, {rows - byReason.Values.Sum():N0} importable");
            await output.WriteLineAsync("Rows by password hash format:");
            foreach (var (kind, count) in byHash)
            {
                await output.WriteLineAsync($"  {kind,-24} {count,12:N0}");
            }

            if (byReason.Count > 0)
            {
                await output.WriteLineAsync("Refused rows by reason:");
                foreach (var (reason, count) in byReason)
                {
                    await output.WriteLineAsync($"  {reason,-24} {count,12:N0}");
                }

                await output.WriteLineAsync(byReason.Values.Sum() > refused.Count ? $"First {refused.Count} refused rows:" : "Refused rows:");
                foreach (var row in refused)
                {
                    await output.WriteLineAsync($"  {row.Position}: {row.Refusal!.Reason}: {row.Refusal.Detail}");
                }
            }

            var failedSamples = 0;
            if (wanted.Count > 0)
            {
                await output.WriteLineAsync("Samples:");
            }

            foreach (var (key, (email, password)) in wanted)
            {
                var verdict = !found.TryGetValue(key, out var row) ? "not in the file (or its row was refused)"
                    : row.PasswordHash is null ? "no password hash: the user will have to reset"
                    : Verifies(password, row.PasswordHash) ?? "the password does not verify against the row's hash (check the hash's encoding and salt)";
                if (verdict != "verifies")
                {
                    failedSamples++;
                }

                await output.WriteLineAsync($"  {email}: {verdict}");
            }

            return byReason.Count == 0 && failedSamples == 0 ? ScriptCommands.Found : ScriptCommands.NotAccepted;
        });
        return command;
    }

    /// <summary>"verifies", null for a wrong password, or why the hash cannot be checked.</summary>
    private static string? Verifies(string password, LegacyPasswordHash hash)
    {
        try
        {
            return LegacyPasswordVerifier.Verify(password, hash) ? "verifies" : null;
        }
        catch (LegacyHashFormatException ex)
        {
            return "the hash cannot be checked: " + ex.Message;
        }
    }

    private static async Task<UserFileFormat> FormatAsync(FileInfo path, string? name, CancellationToken cancellationToken)
    {
        if (name is not null)
        {
            return UserFileFormats.ByName.TryGetValue(name, out var named)
                ? named
                : throw new CliException($"--format {name}: expected one of {string.Join(", ", UserFileFormats.ByName.Keys)}");
        }

        var prefix = new byte[64 * 1024];
        await using var stream = path.OpenRead();
        var read = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken);
        return UserFileFormats.Detect(prefix.AsSpan(0, read));
    }
}
