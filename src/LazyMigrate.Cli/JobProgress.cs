using System.Text.Json;
using Spectre.Console;

namespace LazyMigrate.Cli;

/// <summary>
/// A job's progress bar on the error stream (standard output stays for the report, so it can be piped). On a
/// terminal it redraws in place; elsewhere (CI logs, tests) Spectre.Console prints plain progress lines.
/// </summary>
public static class JobProgress
{
    /// <summary>Polls <paramref name="read"/> every <paramref name="interval"/> until it returns a final state; returns that state's body.</summary>
    public static async Task<JsonElement> FollowAsync(TextWriter error, string description, TimeSpan interval, Func<CancellationToken, Task<JsonElement>> read, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(error),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Detect,
        });
        JsonElement last = default;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: 1);
                using var timer = new PeriodicTimer(interval);
                while (true)
                {
                    last = await read(cancellationToken);
                    var processed = Number(last, "processed") ?? 0;
                    var total = Number(last, "total");
                    task.MaxValue = Math.Max(1, total ?? Math.Max(processed, 1));
                    task.Value = Math.Min(processed, task.MaxValue);
                    task.Description = Markup.Escape($"{description} {processed:N0}{(total is { } t ? $" of {t:N0}" : "")}");
                    if (IsFinal(State(last)))
                    {
                        if (State(last) == "completed")
                        {
                            task.Value = task.MaxValue;
                        }

                        task.StopTask();
                        return;
                    }

                    await timer.WaitForNextTickAsync(cancellationToken);
                }
            });
        return last;
    }

    public static string State(JsonElement job) =>
        job.ValueKind == JsonValueKind.Object && job.TryGetProperty("state", out var state) ? state.GetString()?.ToLowerInvariant() ?? "" : "";

    public static bool IsFinal(string state) => state is "completed" or "failed" or "cancelled";

    /// <summary>A count of a job (<c>counts.NAME</c> in a job, <c>NAME</c> in an export's progress answer).</summary>
    public static long? Number(JsonElement job, string name)
    {
        if (job.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var holder = job.TryGetProperty("counts", out var counts) && counts.ValueKind == JsonValueKind.Object ? counts : job;
        return holder.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64()
            : job.TryGetProperty(name, out var top) && top.ValueKind == JsonValueKind.Number ? top.GetInt64()
            : null;
    }
}
