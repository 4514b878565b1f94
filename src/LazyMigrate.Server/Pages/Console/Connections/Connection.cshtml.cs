using System.ComponentModel.DataAnnotations;
using LazyMigrate.Server.LegacyConnections;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Console.Connections;

public sealed class ConnectionModel(ConnectionAdministration connections) : ConsolePage
{
    public ConnectionView Connection { get; private set; } = null!;

    [BindProperty]
    public ConnectionForm Input { get; set; } = new();

    /// <summary>Set when a switch to Disconnected waits for the admin to confirm.</summary>
    public bool ConfirmationRequired { get; private set; }

    /// <summary>Legacy users who never came over (null when the connection has no countUsers script).</summary>
    public long? NeverMigrated { get; private set; }

    public async Task<IActionResult> OnGetAsync(string name, CancellationToken cancellationToken)
    {
        if (await connections.GetAsync(name, cancellationToken) is not { } connection)
        {
            return NotFound();
        }

        Connection = connection;
        Input = ConnectionForm.From(connection);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string name, CancellationToken cancellationToken)
    {
        if (await connections.GetAsync(name, cancellationToken) is not { } connection)
        {
            return NotFound();
        }

        Connection = connection;
        if (!ModelState.IsValid)
        {
            return Redisplay();
        }

        var change = Input.ToChange(connection, ModelState);
        if (!ModelState.IsValid)
        {
            return Redisplay();
        }

        switch (await connections.UpdateAsync(name, change, Input.ETag, Actor, cancellationToken))
        {
            case ConnectionResult.Done<ConnectionView>:
                Notify($"Connection {name} saved.");
                return RedirectToPage(new { name });
            case ConnectionResult.ConfirmationRequired confirmation:
                ConfirmationRequired = true;
                NeverMigrated = confirmation.NeverMigrated;
                return Redisplay();
            case ConnectionResult.Stale:
                ModelState.AddModelError("", "Someone changed this connection while you were editing. Reload the page to see their change, then make yours again.");
                return Redisplay();
            case ConnectionResult.Invalid invalid:
                AddErrors(invalid.Errors);
                return Redisplay();
            case ConnectionResult.Conflict conflict:
                ModelState.AddModelError("", conflict.Detail);
                return Redisplay();
            default:
                return NotFound();
        }
    }

    /// <summary>The form again, without the secrets just typed: a secret is never rendered back, not even to its author.</summary>
    private PageResult Redisplay()
    {
        if (!string.IsNullOrEmpty(Input.NewSecrets) || !string.IsNullOrEmpty(Input.DatabaseConnectionString))
        {
            ModelState.AddModelError("", "The secrets you typed were not kept: enter them again.");
        }

        Input.NewSecrets = null;
        Input.DatabaseConnectionString = null;
        ModelState.Remove("Input.NewSecrets");
        ModelState.Remove("Input.DatabaseConnectionString");
        return Page();
    }
}

/// <summary>The connection form. Secrets are write-only: the form never carries their values back.</summary>
public sealed class ConnectionForm
{
    /// <summary>The scripts a connection may define, as the URLs and the management API name them.</summary>
    public static readonly IReadOnlyList<string> Functions = [.. Enum.GetValues<ScriptFunction>().Select(ScriptFunctionNames.Camel)];

    public static readonly IReadOnlyList<string> Providers = ["postgres", "mysql", "sqlserver", "sqlite", "none"];

    /// <summary>The connection's version when the form was rendered: a save over someone else's change is refused.</summary>
    public string? ETag { get; set; }

    public ConnectionState State { get; set; }

    [Range(0, 10_000)]
    public int Order { get; set; }

    public string DatabaseProvider { get; set; } = "none";

    /// <summary>Empty keeps the stored connection string.</summary>
    [Display(Name = "New connection string")]
    public string? DatabaseConnectionString { get; set; }

    [Display(Name = "Remove the connection string")]
    public bool ClearDatabaseConnectionString { get; set; }

    /// <summary>Plain settings, one <c>name=value</c> a line.</summary>
    public string? Settings { get; set; }

    /// <summary>Secrets to set, one <c>name=value</c> a line; never shown again.</summary>
    [Display(Name = "Set secrets")]
    public string? NewSecrets { get; set; }

    public List<string> RemoveSecrets { get; set; } = [];

    /// <summary>Hosts scripts may call over HTTP, one a line.</summary>
    [Display(Name = "HTTP allow-list")]
    public string? HttpAllowList { get; set; }

    [Display(Name = "Timeout (ms)")]
    public int TimeoutMilliseconds { get; set; }

    [Display(Name = "Concurrent calls")]
    public int MaxConcurrentCalls { get; set; }

    [Display(Name = "Queued calls")]
    public int MaxQueuedCalls { get; set; }

    [Display(Name = "Trust this system's email addresses as verified")]
    public bool TrustEmails { get; set; }

    public bool ConfirmDisconnect { get; set; }

    public static ConnectionForm From(ConnectionView connection) => new()
    {
        ETag = connection.ETag,
        State = connection.State,
        Order = connection.Order,
        DatabaseProvider = connection.DatabaseProvider,
        Settings = string.Join('\n', connection.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}")),
        HttpAllowList = string.Join('\n', connection.HttpAllowList),
        TimeoutMilliseconds = connection.TimeoutMilliseconds,
        MaxConcurrentCalls = connection.MaxConcurrentCalls,
        MaxQueuedCalls = connection.MaxQueuedCalls,
        TrustEmails = connection.TrustEmails,
    };

    public ConnectionChange ToChange(ConnectionView current, Microsoft.AspNetCore.Mvc.ModelBinding.ModelStateDictionary errors)
    {
        var secrets = Pairs(NewSecrets, nameof(NewSecrets), errors).ToDictionary(p => p.Key, p => (string?)p.Value);
        foreach (var removed in RemoveSecrets.Where(current.SecretSettings.Contains))
        {
            secrets.TryAdd(removed, null);
        }

        return new ConnectionChange
        {
            State = State,
            Order = Order,
            DatabaseProvider = DatabaseProvider,
            DatabaseConnectionString = ClearDatabaseConnectionString ? "" : string.IsNullOrEmpty(DatabaseConnectionString) ? null : DatabaseConnectionString,
            Settings = Pairs(Settings, nameof(Settings), errors),
            Secrets = secrets.Count > 0 ? secrets : null,
            HttpAllowList = [.. Lines(HttpAllowList)],
            TimeoutMilliseconds = TimeoutMilliseconds,
            MaxConcurrentCalls = MaxConcurrentCalls,
            MaxQueuedCalls = MaxQueuedCalls,
            TrustEmails = TrustEmails,
            ConfirmDisconnect = ConfirmDisconnect,
        };
    }

    private static string[] Lines(string? text) =>
        (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static Dictionary<string, string> Pairs(string? text, string field, Microsoft.AspNetCore.Mvc.ModelBinding.ModelStateDictionary errors)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Lines(text))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // The line may hold a secret: say where, never echo it.
                errors.AddModelError($"Input.{field}", "Each line is name=value.");
                continue;
            }

            pairs[line[..equals].Trim()] = line[(equals + 1)..].Trim();
        }

        return pairs;
    }
}
