using System.Net;
using LazyMigrate.Scripting;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Server.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LazyMigrate.E2E.Tests;

/// <summary>The admin console in a real browser: access, connections, the script editor, users and clients.</summary>
public sealed class ConsoleTests(ConsoleServer live) : IClassFixture<ConsoleServer>
{
    [Fact]
    public async Task Console_AnonymousVisitor_IsSentToTheLoginPage()
    {
        var page = await live.NewPageAsync();

        await page.GotoAsync(live.Url("console/users"));

        Assert.Contains("/Account/Login", page.Url, StringComparison.Ordinal);
        Assert.Contains("ReturnUrl=%2Fconsole%2Fusers", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_SignedInUserWithoutTheAdminRole_Gets403()
    {
        var user = await live.Server.Services.CreateUserAsync();
        var page = await live.NewPageAsync();
        await live.SignInAsync(page, user.Email, user.Password);

        var dashboard = await page.GotoAsync(live.Url("console"));
        var users = await page.GotoAsync(live.Url("console/users"));

        Assert.Equal((int)HttpStatusCode.Forbidden, dashboard!.Status);
        Assert.Equal((int)HttpStatusCode.Forbidden, users!.Status);
        Assert.DoesNotContain("/Account/Login", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_SwitchToDisconnected_AsksForConfirmationWithTheNeverMigratedCount()
    {
        await live.Legacy.AddUserAsync("someone's password");
        var page = await live.AdminPageAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Connections" }).ClickAsync();
        await LiveServer.SaveScreenshotAsync(page, "console-connections");
        await page.GetByRole(AriaRole.Link, new() { Name = "legacy", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/console/connections/legacy");
        await LiveServer.SaveScreenshotAsync(page, "console-connection");
        await page.GetByLabel("State").SelectOptionAsync("Disconnected");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save connection" }).ClickAsync();

        var confirmation = page.GetByTestId("disconnect-confirmation");
        Assert.Matches(@"\d+ legacy users? never migrated", await confirmation.InnerTextAsync());
        await LiveServer.SaveScreenshotAsync(page, "console-connection-disconnect");
        // Not confirmed: the connection is still importing.
        Assert.Equal(ConnectionState.Importing, (await GetConnectionAsync()).State);
    }

    [Fact]
    public async Task ScriptEditor_SyntaxErrorFixTryAndRollback()
    {
        var legacyUser = await live.Legacy.AddUserAsync("a legacy secret 1843");
        var original = (await GetScriptAsync()).Content;
        var page = await live.AdminPageAsync();
        var refusedByCsp = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                refusedByCsp.Add(message.Text);
            }
        };
        await page.GotoAsync(live.Url("console/connections/legacy/scripts/login"));

        // CodeMirror (bundled by the build) replaces the textarea: highlighting and line numbers.
        await page.Locator(".cm-editor .cm-lineNumbers").WaitForAsync();
        Assert.False(await page.Locator("textarea#Draft").IsVisibleAsync());
        var before = await GetScriptAsync();

        // A syntax error is refused and shown at its line.
        var broken = original.TrimEnd('\n') + "\nconst = ;\n";
        var errorLine = broken.Split('\n').ToList().IndexOf("const = ;") + 1;
        await SetEditorAsync(page, broken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as new version" }).ClickAsync();
        var errors = await page.GetByTestId("script-errors").InnerTextAsync();
        Assert.Contains($"Line {errorLine}, column", errors, StringComparison.Ordinal);
        // In the editor, the error is marked on that line, scrolled into view.
        var marked = page.Locator(".cm-line:has(.cm-lintRange-error), .cm-line:has(.cm-lintPoint-error)");
        await marked.First.WaitForAsync();
        Assert.Equal("const = ;", await marked.First.InnerTextAsync());
        await LiveServer.SaveScreenshotAsync(page, "console-script-error");
        Assert.Equal(before.Version, (await GetScriptAsync()).Version);

        // Fixed, it is saved as the next version.
        var fixedScript = original.TrimEnd('\n') + "\n// Checked in the console.\n";
        await SetEditorAsync(page, fixedScript);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as new version" }).ClickAsync();
        Assert.Contains($"saved as version {before.Version + 1}", await page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);
        var saved = await GetScriptAsync();
        Assert.Equal(before.Version + 1, saved.Version);
        Assert.Equal(fixedScript, saved.Content);

        // Try: a dry run with a legacy user's credentials finds them, shows the script's log, imports nothing.
        await page.GetByLabel("Test email or username").FillAsync(legacyUser.Email);
        await page.GetByLabel("Test password").FillAsync(legacyUser.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Try the text above" }).ClickAsync();
        Assert.Equal("Found", await page.GetByTestId("trial-outcome").InnerTextAsync());
        Assert.Contains($"legacy user {legacyUser.Id} verified with bcrypt", await page.GetByTestId("trial-log").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Matches(@"Ran in [\d.]+ ms", await page.GetByTestId("trial-duration").InnerTextAsync());
        Assert.Contains(legacyUser.Email, await page.Locator(".trial pre.json").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("", await page.GetByLabel("Test password").InputValueAsync());
        await LiveServer.SaveScreenshotAsync(page, "console-script-try");
        await using (var scope = live.Server.Services.CreateAsyncScope())
        {
            Assert.Null(await scope.ServiceProvider.GetRequiredService<UserDirectory>().FindByEmailAsync(legacyUser.Email, TestContext.Current.CancellationToken));
        }

        // The versions list compares an earlier version with the current one...
        await page.GotoAsync(live.Url("console/connections/legacy/scripts/login"));
        await page.Locator($"a[href$='compare={before.Version}']").ClickAsync();
        var added = await page.GetByTestId("diff").Locator("tr.diff-added").AllInnerTextsAsync();
        Assert.Contains(added, line => line.Contains("// Checked in the console.", StringComparison.Ordinal));
        await LiveServer.SaveScreenshotAsync(page, "console-script-diff");

        // ...and rolls back to it: the earlier content is current again, as a new version.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Roll back to version {before.Version}" }).ClickAsync();
        Assert.Contains("Rolled back", await page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);
        var rolledBack = await GetScriptAsync();
        Assert.Equal(before.Version + 2, rolledBack.Version);
        Assert.Equal(before.Content, rolledBack.Content);
        Assert.Equal(before.Content, await page.Locator("textarea#Draft").InputValueAsync());

        // The editor and every page on the way ran within the CSP (no inline script or style).
        Assert.Empty(refusedByCsp);
    }

    [Fact]
    public async Task ScriptEditor_SaveAfterSomeoneElseSaved_IsRefusedWithAClearMessage()
    {
        var first = await live.AdminPageAsync();
        var second = await live.AdminPageAsync();
        var path = live.Url("console/connections/legacy/scripts/getUser");
        await first.GotoAsync(path);
        await second.GotoAsync(path);
        var start = await GetScriptAsync(ScriptFunction.GetUser);

        await SetEditorAsync(first, start.Content.TrimEnd('\n') + "\n// First admin's change.\n");
        await first.GetByRole(AriaRole.Button, new() { Name = "Save as new version" }).ClickAsync();
        await SetEditorAsync(second, start.Content.TrimEnd('\n') + "\n// Second admin's change.\n");
        await second.GetByRole(AriaRole.Button, new() { Name = "Save as new version" }).ClickAsync();

        var stale = await second.GetByTestId("stale").InnerTextAsync();
        Assert.Contains($"Someone saved version {start.Version + 1}", stale, StringComparison.Ordinal);
        var current = await GetScriptAsync(ScriptFunction.GetUser);
        Assert.Equal(start.Version + 1, current.Version);
        Assert.Contains("First admin's change", current.Content, StringComparison.Ordinal);
        // The second admin's text is kept in the editor.
        Assert.Contains("Second admin's change", await second.Locator("textarea#Draft").InputValueAsync(), StringComparison.Ordinal);
        await LiveServer.SaveScreenshotAsync(second, "console-script-stale");
    }

    [Fact]
    public async Task Users_DeleteAMigratedUserWithTombstone_TheirNextLoginIsRefused()
    {
        var legacyUser = await live.Legacy.AddUserAsync("tombstone test password", "Katherine", "Johnson");
        var person = await live.NewPageAsync();
        await live.SignInAsync(person, legacyUser.Email, legacyUser.Password);
        Assert.DoesNotContain("/Account/Login", person.Url, StringComparison.Ordinal);

        var page = await live.AdminPageAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await LiveServer.SaveScreenshotAsync(page, "console-users");
        await page.GetByLabel("Search").FillAsync(legacyUser.Email);
        await page.GetByLabel("Origin").SelectOptionAsync("migrated");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        Assert.Single(await page.GetByTestId("users").Locator("tbody tr").AllAsync());
        await page.GetByRole(AriaRole.Link, new() { Name = legacyUser.Email }).ClickAsync();
        var origin = await page.GetByTestId("origin").InnerTextAsync();
        Assert.Contains("legacy", origin, StringComparison.Ordinal);
        Assert.Contains(legacyUser.Id, origin, StringComparison.Ordinal);
        var identity = await page.GetByTestId("identities").Locator("tbody tr").InnerTextAsync();
        Assert.Contains("legacy", identity, StringComparison.Ordinal);
        Assert.Contains("imported from", identity, StringComparison.Ordinal);
        Assert.Contains(legacyUser.Email, identity, StringComparison.Ordinal);
        await LiveServer.SaveScreenshotAsync(page, "console-user");

        await page.GetByLabel("Keep a tombstone").CheckAsync();
        await page.GetByLabel($"I want to delete {legacyUser.Email}").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete user" }).ClickAsync();
        await page.WaitForURLAsync("**/console/users");
        Assert.Contains("tombstone", await page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);

        var again = await live.NewPageAsync();
        await live.SignInAsync(again, legacyUser.Email, legacyUser.Password);
        Assert.Contains("/Account/Login", again.Url, StringComparison.Ordinal);
        Assert.True(await again.GetByRole(AriaRole.Alert).First.IsVisibleAsync());
        await using var scope = live.Server.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserDirectory>().FindByEmailAsync(legacyUser.Email, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Users_BlockThenUnblock_StopsAndRestoresTheirSignIn()
    {
        var user = await live.Server.Services.CreateUserAsync();
        var page = await live.AdminPageAsync();

        await page.GotoAsync(live.Url($"console/users/{user.Id}"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Block" }).ClickAsync();
        Assert.Contains("is blocked", await page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);
        var blocked = await live.NewPageAsync();
        await live.SignInAsync(blocked, user.Email, user.Password);
        Assert.Contains("/Account/Login", blocked.Url, StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Unblock" }).ClickAsync();
        Assert.Contains("is unblocked", await page.GetByRole(AriaRole.Status).InnerTextAsync(), StringComparison.Ordinal);
        var unblocked = await live.NewPageAsync();
        await live.SignInAsync(unblocked, user.Email, user.Password);
        Assert.DoesNotContain("/Account/Login", unblocked.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clients_CreatedInTheConsole_CompletesAnAuthorizationCodeFlow()
    {
        var clientId = $"console-app-{Guid.NewGuid():N}"[..24];
        var callback = new Uri(live.Issuer, "console-test-client/callback");
        var page = await live.AdminPageAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Clients" }).ClickAsync();
        Assert.Contains("configuration (read-only)", await page.GetByTestId("clients").InnerTextAsync(), StringComparison.Ordinal);
        await LiveServer.SaveScreenshotAsync(page, "console-clients");
        await page.GetByRole(AriaRole.Link, new() { Name = "New client" }).ClickAsync();
        await page.GetByLabel("Client id").FillAsync(clientId);
        await page.GetByLabel("Display name").FillAsync("Made in the console");
        await page.GetByLabel("Redirect URIs (one a line; matched exactly)").FillAsync(callback.AbsoluteUri);
        await LiveServer.SaveScreenshotAsync(page, "console-client-new");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        await page.WaitForURLAsync($"**/console/clients/{clientId}");
        await LiveServer.SaveScreenshotAsync(page, "console-client");

        // The admin is signed in: the authorization request comes straight back to the client with a code. The
        // client's callback is an address on this server that nothing answers (404): only its URL matters.
        var request = new AuthorizationRequest(new TestClient(clientId, RedirectUri: callback), "openid profile email");
        await page.GotoAsync(live.Url(request.ToUrl().TrimStart('/')));
        var code = new Callback(new Uri(page.Url));
        Assert.StartsWith(callback.AbsoluteUri, page.Url, StringComparison.Ordinal);

        Assert.Equal(request.State, code.State);
        using var http = new HttpClient { BaseAddress = live.Issuer };
        var tokens = await http.ExchangeCodeAsync(request, code.Code!);
        Assert.Equal(HttpStatusCode.OK, tokens.Status);
        var idToken = await http.ValidateIdTokenAsync(tokens.IdToken!, live.Issuer, clientId);
        Assert.Equal(TestUsers.AdminEmail, idToken.GetClaim("email").Value);
    }

    [Fact]
    public async Task Clients_RequireMfa_IsTickedInTheConsole_Saved_Shown_AndSendsTheNextAuthorizationToEnrolment()
    {
        var clientId = $"console-mfa-{Guid.NewGuid():N}"[..24];
        var callback = new Uri(live.Issuer, "console-test-client/callback");
        var page = await live.AdminPageAsync();

        await page.GotoAsync(live.Url("console/clients/new"));
        await page.GetByLabel("Client id").FillAsync(clientId);
        await page.GetByLabel("Redirect URIs (one a line; matched exactly)").FillAsync(callback.AbsoluteUri);
        await page.GetByLabel("Require a second factor").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        await page.WaitForURLAsync($"**/console/clients/{clientId}");
        Assert.True(await page.GetByLabel("Require a second factor").IsCheckedAsync());
        Assert.True((await ClientAsync(clientId))!.RequireMfa);
        await LiveServer.SaveScreenshotAsync(page, "console-client-require-mfa");

        // The admin signed in with a password only and has no factor: this client's authorization asks to enrol one.
        var request = new AuthorizationRequest(new TestClient(clientId, RedirectUri: callback), "openid profile email");
        await page.GotoAsync(live.Url(request.ToUrl().TrimStart('/')));
        Assert.Contains("/Account/Security", page.Url, StringComparison.Ordinal);

        // Unticked and saved: the same session is enough again.
        await page.GotoAsync(live.Url("console/clients/" + clientId));
        await page.GetByLabel("Require a second factor").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save client" }).ClickAsync();
        await page.WaitForURLAsync($"**/console/clients/{clientId}");
        Assert.False(await page.GetByLabel("Require a second factor").IsCheckedAsync());
        Assert.False((await ClientAsync(clientId))!.RequireMfa);
        var again = new AuthorizationRequest(new TestClient(clientId, RedirectUri: callback), "openid profile email");
        await page.GotoAsync(live.Url(again.ToUrl().TrimStart('/')));
        Assert.StartsWith(callback.AbsoluteUri, page.Url, StringComparison.Ordinal);

        await page.GotoAsync(live.Url("console/audit?type=ClientChanged"));
        var rows = await page.GetByTestId("audit").Locator("tbody tr").AllInnerTextsAsync();
        Assert.Contains(rows, row => row.Contains("RequireMfaChanged", StringComparison.Ordinal) && row.Contains($"{clientId}: on", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.Contains("RequireMfaChanged", StringComparison.Ordinal) && row.Contains($"{clientId}: off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Clients_ConfidentialClient_SecretIsShownOnce_AndRotationReplacesIt()
    {
        var clientId = $"console-machine-{Guid.NewGuid():N}"[..28];
        var page = await live.AdminPageAsync();
        using var http = new HttpClient { BaseAddress = live.Issuer };

        await page.GotoAsync(live.Url("console/clients/new"));
        await page.GetByLabel("Client id").FillAsync(clientId);
        await page.GetByLabel("Type").SelectOptionAsync("confidential");
        foreach (var scope in new[] { "openid", "profile", "email", "offline_access" })
        {
            await page.GetByLabel(scope, new() { Exact = true }).UncheckAsync();
        }

        await page.GetByLabel("read:users", new() { Exact = true }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        var first = await page.GetByTestId("client-secret").InnerTextAsync();
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, first, "read:users")).Status);

        // Shown once: the client's page never shows it again.
        await page.GotoAsync(live.Url("console/clients/" + clientId));
        Assert.DoesNotContain(first, await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        var second = await page.GetByTestId("client-secret").InnerTextAsync();
        await LiveServer.SaveScreenshotAsync(page, "console-client-rotated");

        Assert.NotEqual(first, second);
        Assert.Equal("invalid_client", (await http.ClientCredentialsAsync(clientId, first, "read:users")).Error);
        Assert.Equal(HttpStatusCode.OK, (await http.ClientCredentialsAsync(clientId, second, "read:users")).Status);
    }

    [Fact]
    public async Task Clients_ApiScopes_AreSetAndChangedInTheConsole_RefusedWhenTheyAreThisServersOwn()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var clientId = "console-api-" + suffix;
        var page = await live.AdminPageAsync();

        await page.GotoAsync(live.Url("console/clients/new"));
        await page.GetByLabel("Client id").FillAsync(clientId);
        await page.GetByLabel("Type").SelectOptionAsync("confidential");
        foreach (var scope in new[] { "openid", "profile", "email", "offline_access" })
        {
            await page.GetByLabel(scope, new() { Exact = true }).UncheckAsync();
        }

        // A scope of this server is refused, with the reason beside the form, and nothing is created.
        await page.GetByLabel("API scopes").FillAsync("read:users");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        Assert.Contains("'read:users' is a scope of this server", await page.GetByRole(AriaRole.Alert).InnerTextAsync(), StringComparison.Ordinal);
        Assert.Null(await ClientAsync(clientId));

        await page.GetByLabel("API scopes").FillAsync($"invoices-{suffix}:read\ninvoices-{suffix}:write");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
        Assert.NotEmpty(await page.GetByTestId("client-secret").InnerTextAsync());
        Assert.Equal([$"invoices-{suffix}:read", $"invoices-{suffix}:write"], (await ClientAsync(clientId))!.ApiScopes);

        // The client's page shows them for editing; one taken away is no longer the client's.
        await page.GotoAsync(live.Url("console/clients/" + clientId));
        Assert.Equal($"invoices-{suffix}:read\ninvoices-{suffix}:write", await page.GetByLabel("API scopes").InputValueAsync());
        await page.GetByLabel("API scopes").FillAsync($"invoices-{suffix}:read");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save client" }).ClickAsync();
        await page.WaitForURLAsync($"**/console/clients/{clientId}");
        Assert.Equal($"invoices-{suffix}:read", await page.GetByLabel("API scopes").InputValueAsync());
        Assert.Equal([$"invoices-{suffix}:read"], (await ClientAsync(clientId))!.ApiScopes);
        await LiveServer.SaveScreenshotAsync(page, "console-client-api-scopes");

        // Audited with who did it and what the scopes became.
        await page.GotoAsync(live.Url("console/audit?type=ClientChanged"));
        var rows = await page.GetByTestId("audit").Locator("tbody tr").AllInnerTextsAsync();
        Assert.Contains(rows, row => row.Contains("ApiScopesChanged", StringComparison.Ordinal) && row.Contains($"{clientId}: invoices-{suffix}:read", StringComparison.Ordinal)
            && !row.Contains(":write", StringComparison.Ordinal));
    }

    private async Task<Server.Oidc.ClientView?> ClientAsync(string clientId)
    {
        await using var scope = live.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Server.Oidc.ClientAdministration>().GetAsync(clientId, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Clients_DefinedInConfiguration_AreReadOnly_AndTheAuditLogListsConsoleChanges()
    {
        var page = await live.AdminPageAsync();

        await page.GotoAsync(live.Url("console/clients/" + TestClients.Web.ClientId));
        Assert.True(await page.GetByTestId("read-only").IsVisibleAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Save client" }).CountAsync());
        await LiveServer.SaveScreenshotAsync(page, "console-client-configured");

        await page.GetByRole(AriaRole.Link, new() { Name = "Audit log" }).ClickAsync();
        await page.GetByLabel("Event").SelectOptionAsync("LoginSucceeded");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = await page.GetByTestId("audit").Locator("tbody tr").AllInnerTextsAsync();
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.Contains("LoginSucceeded", row, StringComparison.Ordinal));
        await LiveServer.SaveScreenshotAsync(page, "console-audit");
    }

    /// <summary>
    /// Replaces the editor's text as an admin pasting a script would (typing would auto-indent it): select all, then a
    /// paste event carrying the text, which CodeMirror handles as it handles a real one.
    /// </summary>
    private static async Task SetEditorAsync(IPage page, string text)
    {
        await page.Locator(".cm-content").ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Locator(".cm-content").EvaluateAsync("""
            (content, text) => {
              const data = new DataTransfer();
              data.setData('text/plain', text);
              content.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
            }
            """, text);
        Assert.Equal(text, await page.Locator("textarea#Draft").InputValueAsync());
    }

    private async Task<ScriptView> GetScriptAsync(ScriptFunction function = ScriptFunction.Login)
    {
        await using var scope = live.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ScriptVersions>()
            .GetScriptAsync("legacy", function, null, TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("No script.");
    }

    private async Task<ConnectionView> GetConnectionAsync()
    {
        await using var scope = live.Server.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ConnectionAdministration>()
            .GetAsync("legacy", TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("No connection.");
    }
}
