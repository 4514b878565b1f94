using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.BulkImport;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.ResetCampaign;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Pages.Console.Connections;

/// <summary>
/// A connection's Import tab: upload a users file or start a pull import through its listUsers script, and the
/// connection's import jobs. The upload is buffered by the form reader (antiforgery reads the form first), so the
/// console takes files up to <see cref="MaxUploadBytes"/>; larger ones go through the API or the command line, which stream.
/// </summary>
[RequestSizeLimit(MaxUploadBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = MaxUploadBytes)]
public sealed class ImportModel(ConnectionAdministration connections, ImportJobs imports, ResetCampaigns campaigns, JobAdministration jobs) : ConsolePage
{
    public const long MaxUploadBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>The file formats the form offers, besides detection.</summary>
    public static IReadOnlyList<string> Formats => [.. UserFileFormats.ByName.Keys];

    public ConnectionView Connection { get; private set; } = null!;

    public IReadOnlyList<JobView> Jobs { get; private set; } = [];

    public bool HasListUsers => Connection.ScriptVersions.ContainsKey(ScriptFunctionNames.Camel(ScriptFunction.ListUsers));

    [BindProperty]
    public string? Format { get; set; }

    /// <summary><c>email:password</c>, one a line: checked against their rows before anything is written, never stored.</summary>
    [BindProperty]
    public string? Verify { get; set; }

    [BindProperty]
    public int? Rate { get; set; }

    [BindProperty]
    public int? PageSize { get; set; }

    [BindProperty]
    public int? EmailsPerMinute { get; set; }

    /// <summary>Bulk-imported users of this connection with no usable password and an address: a campaign's recipients.</summary>
    public int ResetRequired { get; private set; }

    public async Task<IActionResult> OnGetAsync(string name, CancellationToken cancellationToken) =>
        await LoadAsync(name, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostUploadAsync(string name, IFormFile? users, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(name, cancellationToken))
        {
            return NotFound();
        }

        if (users is null || users.Length == 0)
        {
            ModelState.AddModelError("users", "Choose a users file to upload.");
            return Redisplay();
        }

        var request = new ImportRequest
        {
            Connection = name,
            Format = string.IsNullOrEmpty(Format) ? null : Format,
            Verify = [.. (Verify ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)],
        };
        await using var file = users.OpenReadStream();
        var start = await imports.StartUploadAsync(request, file, Actor, _ => Task.FromResult<Dictionary<string, string[]>?>(null), cancellationToken);
        return Started(name, start);
    }

    public async Task<IActionResult> OnPostPullAsync(string name, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(name, cancellationToken))
        {
            return NotFound();
        }

        var start = await imports.StartPullAsync(new ImportRequest
        {
            Connection = name,
            Source = ListUsersSourceFactory.Source,
            Rate = Rate,
            PageSize = PageSize,
        }, Actor, cancellationToken);
        return Started(name, start);
    }

    public async Task<IActionResult> OnPostCampaignAsync(string name, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(name, cancellationToken))
        {
            return NotFound();
        }

        switch (await campaigns.StartAsync(name, EmailsPerMinute, Actor, cancellationToken))
        {
            case CampaignStart.Started started:
                Notify("Reset-email campaign started.");
                return RedirectToPage("ImportJob", new { name, id = started.Job.Id });
            case CampaignStart.Invalid invalid:
                AddErrors(invalid.Errors);
                return Redisplay();
            default:
                throw new InvalidOperationException("Unexpected result.");
        }
    }

    private IActionResult Started(string name, ImportStart start)
    {
        switch (start)
        {
            case ImportStart.Started started:
                Notify($"Import job started ({(started.Job.Source == FileUserSourceFactory.Key ? started.Job.Format + " file" : "pull through " + started.Job.Source)}).");
                return RedirectToPage("ImportJob", new { name, id = started.Job.Id });
            case ImportStart.Invalid invalid:
                AddErrors(invalid.Errors);
                return Redisplay();
            default:
                throw new InvalidOperationException("Unexpected result.");
        }
    }

    /// <summary>The form again, without the samples: they hold passwords, which are never rendered back.</summary>
    private Microsoft.AspNetCore.Mvc.RazorPages.PageResult Redisplay()
    {
        // The field's entry holds what was typed, and the form would render it back; its errors (the service's
        // "verify", the same key: model state ignores case) move to the summary.
        var errors = ModelState.TryGetValue(nameof(Verify), out var entry) ? [.. entry.Errors.Select(e => e.ErrorMessage)] : new List<string>();
        ModelState.Remove(nameof(Verify));
        foreach (var error in errors)
        {
            ModelState.AddModelError("", error);
        }

        Verify = null;
        return Page();
    }

    private async Task<bool> LoadAsync(string name, CancellationToken cancellationToken)
    {
        if (await connections.GetAsync(name, cancellationToken) is not { } connection)
        {
            return false;
        }

        Connection = connection;
        Jobs = (await jobs.ListAsync([JobKind.UsersImport, JobKind.ResetCampaign], 20, null, cancellationToken, connection: name)).Items;
        ResetRequired = await campaigns.CountRecipientsAsync(name, cancellationToken);
        return true;
    }
}
