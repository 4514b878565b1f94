using System.Globalization;
using LazyMigrate.Server.Jobs;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Pages.Console.Connections;

/// <summary>
/// One import job of a connection: live progress (the page's static script polls <see cref="OnGetProgressAsync"/>,
/// which the console's admin policy guards like the page), pause, resume and cancel, and the refused rows with where
/// they were and why (never a hash).
/// </summary>
public sealed class ImportJobModel(JobAdministration jobs) : ConsolePage
{
    public const int RefusedRowsPerPage = 100;

    public JobView Job { get; private set; } = null!;

    public IReadOnlyList<JobErrorView> Refused { get; private set; } = [];

    /// <summary>The id after which the next page of refused rows starts, when there is one.</summary>
    public long? NextAfter { get; private set; }

    public bool Ended => Job.State is JobState.Completed or JobState.Failed or JobState.Cancelled;

    public async Task<IActionResult> OnGetAsync(string name, Guid id, long? after, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, id, cancellationToken) is not { } job)
        {
            return NotFound();
        }

        Job = job;
        Refused = await jobs.ErrorsAsync(id, RefusedRowsPerPage, after, cancellationToken) ?? [];
        NextAfter = Refused.Count == RefusedRowsPerPage ? Refused[^1].Id : null;
        return Page();
    }

    /// <summary>The job as JSON, for the live progress (the same view the management API gives).</summary>
    public async Task<IActionResult> OnGetProgressAsync(string name, Guid id, CancellationToken cancellationToken) =>
        await FindAsync(name, id, cancellationToken) is { } job ? new JsonResult(job) : NotFound();

    public Task<IActionResult> OnPostPauseAsync(string name, Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(name, id, jobs.PauseAsync, "paused", cancellationToken);

    public Task<IActionResult> OnPostResumeAsync(string name, Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(name, id, jobs.ResumeAsync, "resumed", cancellationToken);

    public Task<IActionResult> OnPostCancelAsync(string name, Guid id, CancellationToken cancellationToken) =>
        ChangeAsync(name, id, jobs.CancelAsync, "cancelled", cancellationToken);

    /// <summary>"12,345 of 100,000" and the like, the same for the first render and the live updates.</summary>
    public static string Number(long? value) => value?.ToString("N0", CultureInfo.InvariantCulture) ?? "—";

    /// <summary>Time left at the current rate, in words; null when it cannot be told.</summary>
    public static string? Left(JobView job) =>
        job.State == JobState.Running && job.Rate is > 0 && job.Total is { } total
            ? Duration(Math.Max(0, total - job.Counts.Processed) / job.Rate.Value)
            : null;

    public static string Duration(double seconds) => seconds switch
    {
        < 60 => $"{Math.Ceiling(seconds).ToString(CultureInfo.InvariantCulture)} s",
        < 3600 => $"{Math.Ceiling(seconds / 60).ToString(CultureInfo.InvariantCulture)} min",
        _ => $"{(seconds / 3600).ToString("0.#", CultureInfo.InvariantCulture)} h",
    };

    private async Task<IActionResult> ChangeAsync(string name, Guid id, Func<Guid, CancellationToken, Task<JobChange>> change, string verb,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(name, id, cancellationToken) is null)
        {
            return NotFound();
        }

        Notify(await change(id, cancellationToken) switch
        {
            JobChange.Done => $"Import job {verb}.",
            JobChange.NotAllowed notAllowed => $"A {notAllowed.State.ToString().ToLowerInvariant()} job cannot be {verb}.",
            _ => "The job is gone.",
        });
        return RedirectToPage(new { name, id });
    }

    /// <summary>The job, when it is an import or a reset campaign of this connection (an export or another connection's job is not shown here).</summary>
    private async Task<JobView?> FindAsync(string name, Guid id, CancellationToken cancellationToken) =>
        await jobs.GetAsync(id, cancellationToken) is { Kind: JobKind.UsersImport or JobKind.ResetCampaign } job && job.Connection == name ? job : null;
}
