namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>A client as the tests configure it through <c>LazyMigrate:Clients</c> settings.</summary>
public sealed record TestClient(
    string ClientId,
    string? Secret = null,
    Uri? RedirectUri = null,
    Uri? PostLogoutRedirectUri = null,
    bool RequireConsent = false,
    IReadOnlyList<string>? Scopes = null)
{
    public IEnumerable<KeyValuePair<string, string?>> ToSettings(int index)
    {
        var prefix = $"LazyMigrate:Clients:{index}:";
        yield return new(prefix + "ClientId", ClientId);
        yield return new(prefix + "DisplayName", $"Test client {ClientId}");
        if (Secret is not null)
        {
            yield return new(prefix + "ClientSecret", Secret);
        }

        if (RedirectUri is not null)
        {
            yield return new(prefix + "RedirectUris:0", RedirectUri.AbsoluteUri);
        }

        if (PostLogoutRedirectUri is not null)
        {
            yield return new(prefix + "PostLogoutRedirectUris:0", PostLogoutRedirectUri.AbsoluteUri);
        }

        yield return new(prefix + "RequireConsent", RequireConsent ? "true" : "false");
        for (var i = 0; i < (Scopes?.Count ?? 0); i++)
        {
            yield return new(prefix + $"Scopes:{i}", Scopes![i]);
        }
    }
}

/// <summary>The clients every test server is seeded with.</summary>
public static class TestClients
{
    /// <summary>A public browser application (code flow + PKCE, no secret).</summary>
    public static readonly TestClient Web = new("web-app",
        RedirectUri: new Uri("https://web.example/callback"),
        PostLogoutRedirectUri: new Uri("https://web.example/signed-out"));

    /// <summary>A public application that requires the user's consent.</summary>
    public static readonly TestClient NeedsConsent = new("consent-app",
        RedirectUri: new Uri("https://consent.example/callback"),
        RequireConsent: true);

    /// <summary>A confidential machine client (client credentials only) allowed every management scope.</summary>
    public static readonly TestClient Machine = new("machine", Secret: "machine-secret-for-tests",
        Scopes: ["read:users", "create:users", "update:users", "delete:users", "read:connections", "update:connections",
            "read:stats", "read:clients", "update:clients", "read:logs", "import:users", "export:users"]);

    /// <summary>A machine client that may only read users: every other management route must refuse it.</summary>
    public static readonly TestClient Reader = new("reader", Secret: "reader-secret-for-tests", Scopes: ["read:users"]);

    public static readonly IReadOnlyList<TestClient> All = [Web, NeedsConsent, Machine, Reader];

    /// <summary>Issuer, plain HTTP, admin and clients: the settings of a test server before per-test overrides.</summary>
    public static Dictionary<string, string?> Settings(Uri issuer)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LazyMigrate:Issuer"] = issuer.AbsoluteUri,
            ["LazyMigrate:AllowHttp"] = "true",
            ["LazyMigrate:Admin:Email"] = TestUsers.AdminEmail,
            ["LazyMigrate:Admin:Password"] = TestUsers.AdminPassword,
            // Dozens of test servers share two cores: none starts a sandbox worker before it runs a script (fixtures
            // with legacy connections warm one explicitly), since each start is seconds of CPU for everyone.
            ["LazyMigrate:Sandbox:WarmWorkers"] = "0",
            // ...and a worker a fixture warmed stays for the class's tests, whose short deadlines must not pay for a start.
            ["LazyMigrate:Sandbox:IdleTimeout"] = "00:00:00",
        };
        for (var i = 0; i < All.Count; i++)
        {
            foreach (var (key, value) in All[i].ToSettings(i))
            {
                settings[key] = value;
            }
        }

        return settings;
    }
}
