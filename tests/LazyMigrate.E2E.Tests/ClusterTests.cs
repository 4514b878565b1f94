using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.Playwright;
using Npgsql;

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// Two server processes behind nginx (round robin, nothing sticky): every piece of shared state works whichever node
/// a request lands on. The proxy alternates strictly between the nodes, so a flow of consecutive requests crosses
/// nodes; each test checks from the proxy's header that the steps it cares about did land on different nodes.
/// </summary>
public sealed class ClusterTests(TwoNodeCluster cluster) : IClassFixture<TwoNodeCluster>
{
    private const string ThrottledMessage = "Too many attempts. Please wait a little before trying again.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignInOnOneNode_ConsentAuthorizeAndToken_OnTheOther()
    {
        // The steps alternate between nodes, but a page's own assets shift the parity: try fresh browsers until the
        // login form's post and the authorization request after it landed on different nodes (each attempt must work).
        for (var attempt = 1; ; attempt++)
        {
            var user = await cluster.Legacy.AddUserAsync("cluster sign-in password " + attempt);
            var context = await cluster.Browser.NewTestContextAsync();
            var page = await context.NewPageAsync();
            var seen = cluster.ProxyLog().Count;
            await page.RouteAsync("https://consent.example/**", route => route.FulfillAsync(new() { Status = 200, Body = "back at the client" }));
            var request = new AuthorizationRequest(TestClients.NeedsConsent);

            await page.GotoAsync(new Uri(cluster.Issuer, request.ToUrl()).AbsoluteUri);
            await page.GetByLabel("Email or username").FillAsync(user.Email);
            await page.GetByLabel("Password").FillAsync(user.Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
            await page.WaitForURLAsync("**/Account/Consent**");
            await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
            await page.WaitForURLAsync("https://consent.example/**");
            var callback = new Callback(new Uri(page.Url));
            Assert.Null(callback.Error);
            Assert.Equal(request.State, callback.State);

            // The proxy alternates: one or two harmless requests put the token request on the other node than the login's.
            var steps = cluster.ProxyLog().Skip(seen).ToList();
            var login = steps.Single(s => s.Method == "POST" && IsPath(s, "/Account/Login"));
            using var http = cluster.Client();
            for (var flip = 0; flip < 2; flip++)
            {
                using var live = await http.GetAsync("health/live", Ct);
                if (http.LastNode == login.Node)
                {
                    break;
                }
            }

            var tokens = await http.ExchangeCodeAsync(request, callback.Code!);
            var tokenNode = http.LastNode;
            Assert.True(tokens.IdToken is not null, tokens.Json.ToString());
            var idToken = await http.ValidateIdTokenAsync(tokens.IdToken, cluster.Issuer, TestClients.NeedsConsent.ClientId);
            Assert.Equal(user.Email, idToken.GetClaim("email").Value);
            await context.CloseAsync();

            var authorizeAfterLogin = steps.SkipWhile(s => s != login).First(s => IsPath(s, "/connect/authorize"));
            // The consent page posts its answer to the authorization endpoint.
            var consent = steps.Single(s => s.Method == "POST" && IsPath(s, "/connect/authorize"));
            Assert.Equal(302, login.Status);
            Assert.Equal(302, consent.Status);
            Assert.NotEqual(login.Node, tokenNode);
            if (login.Node != authorizeAfterLogin.Node)
            {
                return;
            }

            Assert.True(attempt < 6, "six sign-ins never crossed nodes between the login form and the authorization request: " + string.Join(", ", steps));
        }
    }

    [Fact]
    public async Task Console_AFormServedByOneNode_IsAcceptedByTheOther()
    {
        var context = await cluster.Browser.NewTestContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(cluster.Issuer, "Account/Login?ReturnUrl=%2Fconsole").AbsoluteUri);
        await page.GetByLabel("Email or username").FillAsync(TestUsers.AdminEmail);
        await page.GetByLabel("Password").FillAsync(TestUsers.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/console");

        // The session cookie and the antiforgery token of a form come from one node; the post may land on either.
        var crossed = false;
        for (var attempt = 1; attempt <= 6 && !crossed; attempt++)
        {
            var seen = cluster.ProxyLog().Count;
            await page.GotoAsync(new Uri(cluster.Issuer, "console/connections/legacy").AbsoluteUri);
            await page.GetByRole(AriaRole.Button, new() { Name = "Save connection" }).ClickAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var steps = cluster.ProxyLog().Skip(seen).ToList();
            var form = steps.First(s => s.Method == "GET" && IsPath(s, "/console/connections/legacy"));
            var post = steps.Single(s => s.Method == "POST" && IsPath(s, "/console/connections/legacy"));
            // Saved (redirect after post), never a 400 for a token the node could not read.
            Assert.True(post.Status == 302, string.Join(", ", steps));
            Assert.EndsWith("/console/connections/legacy", new Uri(page.Url).AbsolutePath, StringComparison.Ordinal);
            crossed = form.Node != post.Node;
        }

        Assert.True(crossed, "six posts of the connection form never landed on the other node than the form's");
        await context.CloseAsync();
    }

    [Fact]
    public async Task Throttling_FailuresSplitAcrossNodes_StillThrottle()
    {
        var user = await cluster.Legacy.AddUserAsync("the right password 7781");
        using (var first = cluster.Client())
        {
            var browser = new Browser(first);
            Assert.False((await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password)).IsLogin);
        }

        using var http = cluster.Client();
        var attacker = new Browser(http);
        var page = await attacker.NavigateAsync("/Account/Login");
        var failureNodes = new List<int>();
        // Consecutive posts alternate between the nodes: with counters per node neither would reach the limit.
        for (var i = 0; i < 5; i++)
        {
            page = await attacker.LogInAsync(page, user.Email, "a wrong password " + i);
            Assert.True(page.IsLogin);
            Assert.DoesNotContain(ThrottledMessage, page.Alert ?? "", StringComparison.Ordinal);
            failureNodes.Add(http.LastNode);
        }

        page = await attacker.LogInAsync(page, user.Email, user.Password);

        Assert.Equal(2, failureNodes.Distinct().Count());
        Assert.True(page.IsLogin, "the right password got through after five failures");
        Assert.EndsWith(ThrottledMessage, page.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScriptVersion_SavedOnOneNode_IsUsedByTheOther()
    {
        using var api = await cluster.ApiAsync();
        const string url = "/api/v1/connections/legacy/scripts/login";
        using var current = await api.GetAsync(url, Ct);
        var content = (await current.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("content").GetString()!;
        var marker = "Saved " + Guid.NewGuid().ToString("N")[..8];
        var next = content.Replace("name: user.first_name + ' ' + user.last_name,", $"name: '{marker}',", StringComparison.Ordinal);
        Assert.NotEqual(content, next);

        using var saved = await api.PutJsonAsync(url, new { content = next }, current.Headers.ETag!.ToString());
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var savedOn = api.LastNode;

        // Sign-ins until one lands on the other node (the next post normally does); each must use the new version.
        var usedElsewhere = false;
        for (var attempt = 1; attempt <= 4 && !usedElsewhere; attempt++)
        {
            var user = await cluster.Legacy.AddUserAsync("version password " + attempt);
            using var http = cluster.Client();
            var browser = new Browser(http);
            var login = await browser.NavigateAsync("/Account/Login");
            // The proxy alternates: when this request landed on the other node, one more puts the post there.
            if (http.LastNode != savedOn)
            {
                using var flip = await http.GetAsync("health/live", Ct);
            }

            var signedIn = await browser.LogInAsync(login, user.Email, user.Password);
            Assert.False(signedIn.IsLogin, signedIn.Alert);
            // Answered: the form, perhaps the extra request, the post, the page after the redirect.
            var postedTo = http.Answered[^2];
            var imported = await api.GetFromJsonAsync<JsonElement>("/api/v1/users/by-email?email=" + Uri.EscapeDataString(user.Email), Ct);
            Assert.Equal(marker, imported.GetProperty("name").GetString());
            usedElsewhere = postedTo != savedOn;
        }

        Assert.True(usedElsewhere, "no sign-in landed on the node that did not save the script");
    }

    [Fact]
    public async Task ImportJob_WhoseNodeIsKilled_IsFinishedByTheOtherNode()
    {
        const int rows = 1_500;
        var tag = Guid.NewGuid().ToString("N")[..10];
        using var api = await cluster.ApiAsync();
        // Paced so the job is surely running when its node dies: 50-row pages at most 100 rows a second (a ceiling, even
        // when a slow start put the job behind), so at least 14 s of work remain once 100 rows are in.
        var id = await api.StartImportAsync(SampleUserFiles.JsonLines(SampleUserFiles.Users(rows, tag, SampleHash.Md5)), [new("pageSize", "50"), new("rate", "100")]);
        await Wait.ForAsync(() => api.JobAsync(id), job => job.Count("processed") >= 100, TimeSpan.FromMinutes(2));
        var owner = await LeaseOwnerAsync(id);
        var node = cluster.Nodes.Single(n => owner!.Split(':')[1] == n.Process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await TwoNodeCluster.KillAsync(node);
        try
        {
            var interrupted = await api.JobAsync(id);
            Assert.True(interrupted.Count("processed") < rows, "the job finished before its node was killed");

            var done = await api.WaitForEndAsync(id, TimeSpan.FromMinutes(4));

            Assert.Equal(("Completed", (long)rows, (long)rows), (done.GetProperty("state").GetString(), done.Count("processed"), done.Count("created")));
            var survivor = cluster.Nodes.Single(n => n != node);
            Assert.Equal(survivor.Process!.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), (await LeaseOwnerAsync(id))!.Split(':')[1]);
            await using var store = new NpgsqlConnection(cluster.StoreConnectionString);
            await store.OpenAsync(Ct);
            await using var count = new NpgsqlCommand("""SELECT count(*), count(DISTINCT "UserId") FROM "UserIdentities" WHERE "LegacyId" LIKE @tag""", store);
            count.Parameters.AddWithValue("tag", tag + "|%");
            await using var reader = await count.ExecuteReaderAsync(Ct);
            await reader.ReadAsync(Ct);
            Assert.Equal((rows, rows), ((int)reader.GetInt64(0), (int)reader.GetInt64(1)));
        }
        finally
        {
            await cluster.StartAsync(node);
        }
    }

    [Fact]
    public async Task Tokens_IssuedByOneNode_AreIntrospectedAndRevokedOnTheOther()
    {
        using var http = cluster.Client();
        var issued = await http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");
        var token = issued.AccessToken ?? throw new InvalidOperationException(issued.Json.ToString());
        var issuer = http.LastNode;

        var introspected = await OnNodeAsync(http, other: issuer, () => http.IntrospectAsync(TestClients.Machine, token));
        Assert.Equal("true", introspected["active"]);
        Assert.Equal(TestClients.Machine.ClientId, introspected["client_id"]);

        var revoked = await OnNodeAsync(http, other: issuer, () => http.RevokeAsync(TestClients.Machine, token, "access_token"));
        Assert.Equal(HttpStatusCode.OK, revoked.Status);
        var revokedOn = http.LastNode;

        var after = await OnNodeAsync(http, other: revokedOn, () => http.IntrospectAsync(TestClients.Machine, token));
        Assert.Equal("false", after["active"]);
    }

    [Fact]
    public async Task LegacyBulkhead_DuringABurstOnBothNodes_TheLegacyDatabaseNeverSeesMoreThanTheLimit()
    {
        const int burst = 24;
        var users = new List<LegacyUser>();
        for (var i = 0; i < burst; i++)
        {
            users.Add(await cluster.Legacy.AddUserAsync("burst password " + i));
        }

        var legacyDatabase = new NpgsqlConnectionStringBuilder(cluster.Legacy.ConnectionString).Database!;
        using var stop = new CancellationTokenSource();
        var samples = new ConcurrentQueue<int>();
        var poller = Task.Run(async () =>
        {
            await using var server = new NpgsqlConnection(await PostgresServer.GetConnectionStringAsync());
            await server.OpenAsync(Ct);
            await using var active = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = @database AND usename = @role AND state = 'active'", server);
            active.Parameters.AddWithValue("database", legacyDatabase);
            active.Parameters.AddWithValue("role", cluster.LegacyRole);
            while (!stop.IsCancellationRequested)
            {
                samples.Enqueue((int)(long)(await active.ExecuteScalarAsync(Ct))!);
            }
        }, Ct);

        var nodes = new ConcurrentBag<int>();
        var signIns = users.Select(async user =>
        {
            using var http = cluster.Client();
            var browser = new Browser(http);
            var page = await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), user.Email, user.Password);
            nodes.Add(http.Answered[1]);
            return page;
        }).ToList();
        var pages = await Task.WhenAll(signIns);
        await stop.CancelAsync();
        await poller;

        // The limit held for both nodes together, and calls did overlap (each node alone could run its share at once).
        Assert.InRange(samples.Max(), 2, TwoNodeCluster.LegacyConcurrencyLimit);
        Assert.Equal(2, nodes.Distinct().Count());
        Assert.True(pages.All(page => !page.IsLogin), string.Join("\n", pages.Where(p => p.IsLogin).Select(p => p.Alert)) + "\n(node logs: TestResults/cluster)");
    }

    /// <summary>Paths as the browser sent them: redirects may spell them in another case.</summary>
    private static bool IsPath(TwoNodeCluster.ProxyEntry entry, string path) => string.Equals(entry.Path, path, StringComparison.OrdinalIgnoreCase);

    /// <summary>Repeats an idempotent protocol call until a node other than <paramref name="other"/> answers it.</summary>
    private static async Task<ProtocolResponse> OnNodeAsync(ClusterClient http, int other, Func<Task<ProtocolResponse>> call)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var response = await call();
            if (http.LastNode != other)
            {
                return response;
            }
        }

        throw new InvalidOperationException("Four calls in a row landed on the same node: the proxy is not alternating.");
    }

    private async Task<string?> LeaseOwnerAsync(Guid id)
    {
        await using var store = new NpgsqlConnection(cluster.StoreConnectionString);
        await store.OpenAsync(Ct);
        await using var owner = new NpgsqlCommand("""SELECT "LeaseOwner" FROM "Jobs" WHERE "Id" = @id""", store);
        owner.Parameters.AddWithValue("id", id);
        return (string?)await owner.ExecuteScalarAsync(Ct);
    }
}
