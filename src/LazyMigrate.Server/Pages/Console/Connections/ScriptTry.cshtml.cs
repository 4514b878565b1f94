using LazyMigrate.Server.LegacyConnections;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace LazyMigrate.Server.Pages.Console.Connections;

/// <summary>
/// "Try" runs the editor's text against the legacy system as a dry run (nothing imported). A page of its own so the
/// management API's Try limit applies to it and not to browsing the editor: it is a password oracle otherwise.
/// </summary>
[EnableRateLimiting(ScriptTrials.RateLimitPolicy)]
public sealed class ScriptTryModel(ScriptVersions scripts, ScriptTrials trials) : ScriptEditorPage(scripts)
{
    public IActionResult OnGet(string name, string function) =>
        Redirect($"/console/connections/{Uri.EscapeDataString(name)}/scripts/{Uri.EscapeDataString(function)}");

    public async Task<IActionResult> OnPostAsync(string name, string function, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(name, function, cancellationToken))
        {
            return NotFound();
        }

        var result = await trials.TryAsync(name, Function, Draft, TryEmail, TryPassword, TryCursor, Actor, cancellationToken);

        // The password typed for the trial is never rendered back.
        TryPassword = null;
        ModelState.Remove(nameof(TryPassword));
        switch (result)
        {
            case ConnectionResult.Done<ScriptTrial> trial:
                Trial = trial.Value;
                return Page();
            case ConnectionResult.Invalid invalid:
                AddProblems(invalid);
                return Page();
            default:
                return NotFound();
        }
    }
}
