using LazyMigrate.Scripting;
using LazyMigrate.Server.LegacyConnections;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Pages.Console.Connections;

/// <summary>A syntax error of the edited script, at its place.</summary>
public sealed record ScriptProblem(int? Line, int? Column, string Message);

/// <summary>
/// What the script editor shows: the text being edited, the saved versions, and whatever the last action produced
/// (syntax errors, a stale save, a trial, a diff). Shared by the editor page and its rate-limited "Try" page.
/// </summary>
public abstract class ScriptEditorPage(ScriptVersions scripts) : ConsolePage
{
    protected ScriptVersions Scripts { get; } = scripts;

    public string ConnectionName { get; private set; } = "";

    public string FunctionName { get; private set; } = "";

    public ScriptFunction Function { get; private set; }

    public ScriptView? Current { get; private set; }

    public IReadOnlyList<ScriptVersionSummary> Versions { get; private set; } = [];

    /// <summary>The text in the editor; posted by every form of the page, so saving, trying and comparing see the same draft.</summary>
    [BindProperty]
    public string? Draft { get; set; }

    /// <summary>The version the draft started from (<c>"v3"</c> quoted); a save over a later version is refused.</summary>
    [BindProperty]
    public string? ETag { get; set; }

    [BindProperty]
    public string? TryEmail { get; set; }

    [BindProperty]
    public string? TryPassword { get; set; }

    /// <summary>listUsers: the cursor the tried page starts after (empty: the first page).</summary>
    [BindProperty]
    public string? TryCursor { get; set; }

    public List<ScriptProblem> Problems { get; } = [];

    /// <summary>Set when someone saved while this admin was editing.</summary>
    public string? StaleMessage { get; protected set; }

    public ScriptTrial? Trial { get; protected set; }

    /// <summary>A diff of <see cref="CompareTitle"/> (old) against the editor's text or the current version (new).</summary>
    public IReadOnlyList<DiffLine>? Diff { get; protected set; }

    public string? CompareTitle { get; protected set; }

    public int? CompareVersion { get; protected set; }

    /// <summary>The profile a trial found, as the JSON an admin compares with the legacy record.</summary>
    public string? TrialProfileJson => Trial?.Profile is { } profile
        ? System.Text.Json.JsonSerializer.Serialize(profile, ProfileJson)
        : null;

    private static readonly System.Text.Json.JsonSerializerOptions ProfileJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        // Shown as HTML-encoded text, never in a script: "+44" reads better than "\u002B44".
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public string EditorPath => $"/console/connections/{Uri.EscapeDataString(ConnectionName)}/scripts/{FunctionName}";

    /// <summary>Loads the connection's script; false when the connection or function does not exist.</summary>
    protected async Task<bool> LoadAsync(string name, string function, CancellationToken cancellationToken)
    {
        if (ScriptFunctionNames.Parse(function) is not { } parsed ||
            await Scripts.ListVersionsAsync(name, parsed, cancellationToken) is not { } versions)
        {
            return false;
        }

        // Browsers post a textarea's line breaks as CRLF; scripts keep the LF of the files they usually come from.
        Draft = Draft?.Replace("\r\n", "\n", StringComparison.Ordinal);
        ConnectionName = name;
        Function = parsed;
        FunctionName = ScriptFunctionNames.Camel(parsed);
        Versions = versions;
        Current = await Scripts.GetScriptAsync(name, parsed, null, cancellationToken);
        return true;
    }

    /// <summary>What the service refused: syntax errors at their place, anything else as a message.</summary>
    protected void AddProblems(ConnectionResult.Invalid invalid)
    {
        if (invalid.SyntaxErrors is { } syntax)
        {
            Problems.AddRange(syntax.Select(e => new ScriptProblem(e.Line, e.Column, $"Line {e.Line}, column {e.Column}: {e.Message}")));
            return;
        }

        Problems.AddRange(invalid.Errors.SelectMany(e => e.Value).Select(message => new ScriptProblem(null, null, message)));
    }

    /// <summary>The text of a line of the draft, to show beside an error at that line.</summary>
    public string? DraftLine(int line) =>
        (Draft ?? "").Split('\n') is var lines && line >= 1 && line <= lines.Length ? lines[line - 1] : null;
}

public sealed class ScriptModel(ScriptVersions scripts) : ScriptEditorPage(scripts)
{
    public async Task<IActionResult> OnGetAsync(string name, string function, string? template, int? compare, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(name, function, cancellationToken))
        {
            return NotFound();
        }

        ETag = Current?.ETag;
        Draft = Current?.Content ?? "";
        if (template is not null && ScriptTemplates.Names.Contains(template))
        {
            // A template only fills the editor: nothing changes until the admin saves.
            Draft = ScriptTemplates.Get(template);
        }

        if (compare is { } version && Current is not null && await Scripts.GetScriptAsync(name, Function, version, cancellationToken) is { } older)
        {
            CompareVersion = version;
            CompareTitle = $"Version {version} → current version {Current.Version}";
            Diff = ScriptDiff.Compare(older.Content, Current.Content);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string name, string function, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(name, function, cancellationToken))
        {
            return NotFound();
        }

        switch (await Scripts.SaveScriptAsync(name, Function, Draft, ETag, Actor, cancellationToken))
        {
            case ConnectionResult.Done<ScriptView> saved:
                Notify($"{FunctionName} saved as version {saved.Value.Version}.");
                return Redirect(EditorPath);
            case ConnectionResult.Invalid invalid:
                AddProblems(invalid);
                return Page();
            case ConnectionResult.Stale when Current is not null:
                // Keep the admin's text, show what the other save changed, and let a second, deliberate save win.
                StaleMessage = $"Someone saved version {Current.Version} ({Current.Author}, {Current.CreatedAt:u}) while you were editing. " +
                    "Your text is kept below; the changes between it and theirs are shown. Save again to replace their version with yours.";
                CompareTitle = $"Version {Current.Version} → your text";
                Diff = ScriptDiff.Compare(Current.Content, Draft ?? "");
                ETag = Current.ETag;
                ModelState.Remove(nameof(ETag));
                return Page();
            default:
                return NotFound();
        }
    }

    public async Task<IActionResult> OnPostRollbackAsync(string name, string function, int version, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(name, function, cancellationToken))
        {
            return NotFound();
        }

        switch (await Scripts.RollbackAsync(name, Function, version, ETag, Actor, cancellationToken))
        {
            case ConnectionResult.Done<ScriptView> saved:
                Notify($"Rolled back: version {version} is current again, as version {saved.Value.Version}.");
                return Redirect(EditorPath);
            case ConnectionResult.Stale when Current is not null:
                ETag = Current.ETag;
                Draft = Current.Content;
                ModelState.Clear();
                StaleMessage = $"Someone saved version {Current.Version} while you were looking. Check it, then roll back again if you still want to.";
                return Page();
            default:
                return NotFound();
        }
    }
}
