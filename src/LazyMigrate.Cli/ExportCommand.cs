using System.CommandLine;
using System.Net;

namespace LazyMigrate.Cli;

/// <summary>
/// <c>lazymigrate export --server URL -o users.jsonl</c>: starts an export job, shows its progress, and streams the
/// finished file to disk. Needs only the <c>export:users</c> scope: the file's URL answers 409 with the job's progress
/// until it is ready. The file holds password hashes; it is written with permissions for its owner only where the
/// platform has them.
/// </summary>
public static class ExportCommand
{
    public const string Scope = "export:users";

    public static Command Create(TextWriter output, TextWriter error, HttpMessageHandler? handler)
    {
        var file = new Option<FileInfo>("--output", "-o") { Description = "where to write the JSON Lines file", Required = true };
        var server = new ServerOptions();
        var command = new Command("export", "export every user (with password hashes) as JSON Lines in Auth0's import shape") { file };
        server.AddTo(command);
        command.SetAction(async (parsed, token) =>
        {
            var path = parsed.GetRequiredValue(file);
            using var client = await server.ConnectAsync(parsed, Scope, handler, token);
            using var start = await client.Http.PostAsync("api/v1/jobs/users-exports", null, token);
            var job = await ManagementClient.EnsureAsync(start, token);
            var id = job.GetProperty("id").GetString()!;
            var final = await JobProgress.FollowAsync(error, "Exporting", server.Interval(parsed), async ct =>
            {
                using var response = await client.Http.GetAsync($"api/v1/jobs/{id}/file", HttpCompletionOption.ResponseHeadersRead, ct);
                if (response.StatusCode == HttpStatusCode.Conflict)
                {
                    return await ManagementClient.ReadJsonAsync(response, ct);
                }

                var body = response.IsSuccessStatusCode ? default : await ManagementClient.ReadJsonAsync(response, ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new CliException(ManagementClient.Describe(response, body));
                }

                var lines = await WriteAsync(response, path, ct);
                return System.Text.Json.JsonSerializer.SerializeToElement(new { state = "completed", processed = lines, total = lines });
            }, token);
            if (JobProgress.State(final) != "completed")
            {
                var reason = final.TryGetProperty("error", out var e) && e.GetString() is { } message ? message : JobProgress.State(final);
                throw new CliException($"export job {id} did not complete: {reason}");
            }

            await output.WriteLineAsync($"{JobProgress.Number(final, "processed"):N0} users written to {path.FullName} (job {id})");
            return ScriptCommands.Found;
        });
        return command;
    }

    /// <summary>Streams the body to a temporary file beside the target, then moves it in place: no half file under the name.</summary>
    private static async Task<long> WriteAsync(HttpResponseMessage response, FileInfo path, CancellationToken cancellationToken)
    {
        var temporary = path.FullName + ".partial";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        long lines = 0;
        await using (var target = new FileStream(temporary, options))
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }

        File.Move(temporary, path.FullName, overwrite: true);
        return lines;
    }
}
