using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace LazyMigrate.Cli;

/// <summary>
/// <c>lazymigrate import FILE --connection NAME --server URL [--verify EMAIL:PASSWORD]...</c>: uploads a users file
/// (streamed, never read into memory) as an import job of the management API, follows it with a progress bar and
/// prints the final report with the refused rows (line and reason, never a hash). With <c>--verify</c>, the server
/// checks that each sample's row verifies before it writes anything, and refuses the import naming the sample that
/// does not. Needs the <c>import:users</c> scope.
/// </summary>
public static partial class ImportCommands
{
    public const string Scope = "import:users";

    /// <summary>Refused rows printed in the report; all of them are in <c>GET /api/v1/jobs/{id}/errors</c>.</summary>
    public const int RefusedRowsShown = 20;

    public static Command Create(TextWriter output, TextWriter error, HttpMessageHandler? handler)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "the users file: Auth0 JSON, JSON Lines, FusionAuth's import body or CSV" };
        var connection = new Option<string>("--connection") { Description = "the legacy connection the users belong to", Required = true };
        var format = new Option<string?>("--format") { Description = "auth0, jsonl, fusionauth or csv (detected when omitted)" };
        var verify = new Option<string[]>("--verify")
        {
            Description = "a known EMAIL:PASSWORD whose row's hash must verify before anything is written (repeatable)",
        };
        var server = new ServerOptions();
        var command = new Command("import", "import a users file through the server's management API, or check one offline") { file, connection, format, verify };
        server.AddTo(command);
        command.Subcommands.Add(CreateCheck(output, error));
        command.SetAction(async (parsed, token) =>
        {
            var path = parsed.GetRequiredValue(file);
            if (!path.Exists)
            {
                throw new CliException($"{path.FullName}: no such file");
            }

            var samples = parsed.GetValue(verify) ?? [];
            if (samples.Any(s => s.IndexOf(':', StringComparison.Ordinal) is var colon && (colon < 1 || colon == s.Length - 1
                || Scripting.EmailAddresses.Normalise(s[..colon]) is null)))
            {
                throw new CliException("each --verify is EMAIL:PASSWORD, with a valid address and a password");
            }

            using var client = await server.ConnectAsync(parsed, Scope, handler, token);
            var job = await UploadAsync(client, path, parsed.GetRequiredValue(connection), parsed.GetValue(format), samples, token);
            var id = job.GetProperty("id").GetString()!;
            var final = await JobProgress.FollowAsync(error, "Importing", server.Interval(parsed), ct => client.GetJsonAsync($"api/v1/jobs/{id}", ct), token);
            var refused = await client.GetJsonAsync($"api/v1/jobs/{id}/errors?limit={RefusedRowsShown}", token);
            await ReportAsync(output, id, final, refused);
            return JobProgress.State(final) != "completed" ? ScriptCommands.Failure
                : JobProgress.Number(final, "refused") is > 0 ? ScriptCommands.NotAccepted
                : ScriptCommands.Found;
        });
        return command;
    }

    private static async Task<JsonElement> UploadAsync(ManagementClient client, FileInfo path, string connection, string? format,
        IReadOnlyList<string> samples, CancellationToken cancellationToken)
    {
        await using var stream = path.OpenRead();
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(connection), "connection");
        if (format is not null)
        {
            content.Add(new StringContent(format), "format");
        }

        // Before the file, as the API requires: the samples are checked against it once it is stored.
        foreach (var sample in samples)
        {
            content.Add(new StringContent(sample), "verify");
        }

        var file = new StreamContent(stream, 64 * 1024);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Add(file, "users", path.Name);
        using var response = await client.Http.PostAsync("api/v1/jobs/users-imports", content, cancellationToken);
        return await ManagementClient.EnsureAsync(response, cancellationToken);
    }

    private static async Task ReportAsync(TextWriter output, string id, JsonElement job, JsonElement refused)
    {
        await output.WriteLineAsync($"Import job {id}: {JobProgress.State(job)}");
        if (job.TryGetProperty("error", out var error) && error.GetString() is { } reason)
        {
            await output.WriteLineAsync($"  error: {reason}");
        }

        foreach (var count in new[] { "processed", "created", "linked", "skipped", "refused" })
        {
            if (JobProgress.Number(job, count) is { } n)
            {
                await output.WriteLineAsync($"  {count,-10} {n,12:N0}");
            }
        }

        if (job.TryGetProperty("refusedByReason", out var reasons) && reasons.ValueKind == JsonValueKind.Object && reasons.EnumerateObject().Any())
        {
            await output.WriteLineAsync("Refused rows by reason:");
            foreach (var reasonCount in reasons.EnumerateObject().OrderByDescending(r => r.Value.GetInt64()))
            {
                await output.WriteLineAsync($"  {reasonCount.Name,-24} {reasonCount.Value.GetInt64(),12:N0}");
            }
        }

        var rows = Rows(refused);
        if (rows.Count == 0)
        {
            return;
        }

        await output.WriteLineAsync($"First refused rows (all of them: GET /api/v1/jobs/{id}/errors):");
        foreach (var row in rows.Take(RefusedRowsShown))
        {
            await output.WriteLineAsync($"  {Text(row, "position")}: {Text(row, "reason")}: {Text(row, "detail")}");
        }
    }

    /// <summary>The refused rows of an errors answer: an array, or a page with <c>items</c>.</summary>
    private static List<JsonElement> Rows(JsonElement errors) => errors.ValueKind switch
    {
        JsonValueKind.Array => [.. errors.EnumerateArray()],
        JsonValueKind.Object when errors.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array => [.. items.EnumerateArray()],
        _ => [],
    };

    private static string? Text(JsonElement row, string name) =>
        row.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
