using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Management;

namespace LazyMigrate.Server.Pages.Console.Clients;

/// <summary>The fields of a client an admin edits: URIs one a line, scopes as checkboxes.</summary>
public sealed class ClientForm
{
    /// <summary>Every scope a client may be given: the standard OIDC ones, then the management API's.</summary>
    public static IEnumerable<string> KnownScopes => ClientSeeder.StandardScopes.Concat(ManagementScopes.All.Keys);

    public string? ClientId { get; set; }

    public string? DisplayName { get; set; }

    /// <summary>"public" or "confidential"; fixed once created.</summary>
    public string Type { get; set; } = "public";

    public string? RedirectUris { get; set; }

    public string? PostLogoutRedirectUris { get; set; }

    public List<string> Scopes { get; set; } = [];

    /// <summary>The scopes of the API a confidential client runs, one a line (or separated by spaces).</summary>
    public string? ApiScopes { get; set; }

    public bool RequireConsent { get; set; }

    /// <summary>Users of this client must sign in with a second factor (enrolling first when they have none).</summary>
    public bool RequireMfa { get; set; }

    public static ClientForm From(ClientView client) => new()
    {
        ClientId = client.ClientId,
        DisplayName = client.DisplayName,
        Type = client.Type,
        RedirectUris = string.Join('\n', client.RedirectUris),
        PostLogoutRedirectUris = string.Join('\n', client.PostLogoutRedirectUris),
        Scopes = [.. client.Scopes],
        ApiScopes = string.Join('\n', client.ApiScopes),
        RequireConsent = client.RequireConsent,
        RequireMfa = client.RequireMfa,
    };

    public ClientChange ToChange(bool creating) => new()
    {
        ClientId = creating ? ClientId?.Trim() : null,
        DisplayName = DisplayName?.Trim() ?? "",
        Type = creating ? Type : null,
        RedirectUris = Lines(RedirectUris),
        PostLogoutRedirectUris = Lines(PostLogoutRedirectUris),
        Scopes = Scopes,
        ApiScopes = [.. (ApiScopes ?? "").Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)],
        RequireConsent = RequireConsent,
        RequireMfa = RequireMfa,
    };

    private static List<string> Lines(string? text) =>
        [.. (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}
