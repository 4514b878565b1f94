namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// A server configured as a deployment with relying parties and an API of its own would be: the issuer written without
/// a trailing slash, a confidential web application, the API (a resource server) that serves its <c>orders:read</c> scope, and the demo.
/// </summary>
public sealed class RelyingPartyServerFixture : ServerFixture
{
    /// <summary>The issuer exactly as configured: no path, no trailing slash.</summary>
    public const string Issuer = "http://localhost";

    /// <summary>The API: a machine client that serves the orders:read scope and introspects the tokens issued for it.</summary>
    public static readonly TestClient OrdersApi = new("orders-api", Secret: "orders-api-secret-for-tests");

    /// <summary>A confidential web application that may call the orders API for its users.</summary>
    public static readonly TestClient OrdersWeb = new("orders-web", Secret: "orders-web-secret-for-tests",
        RedirectUri: new Uri("https://orders.example/signin-oidc"),
        Scopes: ["openid", "profile", "email", "offline_access", "orders:read"]);

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        settings["LazyMigrate:Issuer"] = Issuer;
        var index = TestClients.All.Count;
        // The built-in demo relying party, which checks the ID token's issuer the way every relying party does.
        var demo = new TestClient("demo", RedirectUri: new Uri(Issuer + "/demo/callback"), PostLogoutRedirectUri: new Uri(Issuer + "/demo"));
        foreach (var client in new[] { OrdersApi, OrdersWeb, demo })
        {
            foreach (var (key, value) in client.ToSettings(index))
            {
                settings[key] = value;
            }

            index++;
        }

        settings[$"LazyMigrate:Clients:{TestClients.All.Count}:ApiScopes:0"] = "orders:read";
    }
}
