using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.Playwright;
using Npgsql;

namespace LazyMigrate.E2E.Tests;

/// <summary>
/// A deployment of two nodes, as operators run it: two server processes (<c>dotnet LazyMigrate.Server.dll</c>) on one
/// fresh database behind Debian's nginx, configured from <c>deploy/nginx/</c> (round robin, no sticky sessions), a
/// legacy PostgreSQL database read by a role that may only read its users, and a headless Chromium. Every request
/// goes through the proxy; the proxy's <c>X-LazyMigrate-Node</c> header (added by this fixture only) says which node
/// answered. One per test class.
/// </summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    /// <summary>The legacy connection's bulkhead, for the whole cluster: below each node's sandbox worker count, so it is the only limit that can trip.</summary>
    public const int LegacyConcurrencyLimit = 3;

    /// <summary>What the login script adds to every call, so that concurrent calls are visible in pg_stat_activity.</summary>
    public const double LegacyQuerySeconds = 3.0;

    public const string NodeHeader = "X-LazyMigrate-Node";

    private readonly string _directory = Directory.CreateTempSubdirectory("lazymigrate-cluster-").FullName;
    private readonly Dictionary<string, string> _environment = [];
    private TestDatabase? _store;
    private Process? _nginx;
    private IPlaywright? _playwright;

    public Node[] Nodes { get; } = [new(1), new(2)];

    public Uri Issuer { get; private set; } = null!;

    public LegacyDatabase Legacy { get; private set; } = null!;

    /// <summary>The least-privilege role the legacy connection logs in as (its queries are the ones pg_stat_activity shows).</summary>
    public string LegacyRole { get; } = "legacy_reader_" + Guid.NewGuid().ToString("N")[..12];

    public string StoreConnectionString => _store!.ConnectionString;

    public IBrowser Browser { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _store = await PostgresServer.CreateDatabaseAsync();
        Legacy = await LegacyDatabase.CreateAsync();
        var rolePassword = Guid.NewGuid().ToString("N");
        var legacyDatabase = new NpgsqlConnectionStringBuilder(Legacy.ConnectionString).Database!;
        // As demo/legacy/reader-role.sql: log in, read the users table, nothing else.
        await Legacy.ExecuteAsync($"""
            CREATE ROLE {LegacyRole} LOGIN PASSWORD '{rolePassword}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
            GRANT CONNECT ON DATABASE "{legacyDatabase}" TO {LegacyRole};
            GRANT USAGE ON SCHEMA public TO {LegacyRole};
            GRANT SELECT ON users TO {LegacyRole};
            """);
        var legacyConnection = new NpgsqlConnectionStringBuilder(Legacy.ConnectionString) { Username = LegacyRole, Password = rolePassword }.ConnectionString;

        var proxyPort = FreeLoopbackPort();
        Issuer = new Uri($"http://127.0.0.1:{proxyPort}/");
        var settings = TestClients.Settings(Issuer);
        var root = RepositoryRoot();
        var demoLogin = await File.ReadAllTextAsync(Path.Combine(root, "demo", "legacy", "login.js"));
        var loginScript = Path.Combine(_directory, "login.js");
        await File.WriteAllTextAsync(loginScript, SlowLoginScript(demoLogin));
        foreach (var (key, value) in LegacyServerFixture.ConnectionSettings(0, "legacy", legacyConnection, TimeSpan.FromSeconds(60), loginScript))
        {
            settings[key] = value;
        }

        settings["LazyMigrate:Connections:0:MaxConcurrentCalls"] = LegacyConcurrencyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Believe X-Forwarded-For from nginx only: throttling then counts the browser's address, not the proxy's.
        settings["LazyMigrate:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1";
        // Each node keeps as many workers ready as the cluster's limit, so workers never hold a burst below it.
        settings["LazyMigrate:Sandbox:WarmWorkers"] = LegacyConcurrencyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["LazyMigrate:Sandbox:WarmOnStart"] = "true";
        settings["LazyMigrate:Sandbox:MaxWorkers"] = "4";
        // Machine tokens with rows, so one node can revoke a token the other issued (Tokens_IssuedByOneNode_...).
        settings["LazyMigrate:StoreClientCredentialsTokens"] = "true";
        settings["LazyMigrate:Jobs:PollInterval"] = "00:00:00.200";
        settings["LazyMigrate:Jobs:LeaseDuration"] = "00:00:03";
        foreach (var (key, value) in settings)
        {
            _environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }

        _environment["ConnectionStrings__Default"] = _store.ConnectionString;
        _environment["ASPNETCORE_ENVIRONMENT"] = "Testing";

        // The first node migrates the empty database alone, so the test's start-up is not a race of migrations
        // (that race has its own test); then the second starts on the migrated database.
        foreach (var node in Nodes)
        {
            node.Port = FreeLoopbackPort();
            await StartAsync(node);
        }

        _nginx = await StartNginxAsync(proxyPort, root);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("LAZYMIGRATE_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>The demo's login script with a slow query in front, so calls overlap long enough to be counted.</summary>
    private static string SlowLoginScript(string demoLogin) => demoLogin.Replace(
        "async function login(email, password, context) {",
        "async function login(email, password, context) {\n  await db.query('SELECT pg_sleep(" + LegacyQuerySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + ")');",
        StringComparison.Ordinal) is var slow && slow != demoLogin ? slow : throw new InvalidOperationException("demo/legacy/login.js no longer starts as expected.");

    /// <summary>A client through the proxy that follows no redirects, keeps its own cookies and notes which node answered each request.</summary>
    public ClusterClient Client() => new(Issuer);

    /// <summary>The proxy's access log so far: what was asked, how it was answered and by which node (its port).</summary>
    public IReadOnlyList<ProxyEntry> ProxyLog()
    {
        var path = Path.Combine(_directory, "access.log");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var entries = new List<ProxyEntry>();
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ', 4);
            if (parts.Length == 4 && parts[3] != "-")
            {
                entries.Add(new ProxyEntry(parts[0], parts[1], int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture), PortOf(parts[3])));
            }
        }

        return entries;
    }

    /// <summary>Which node (by its port) answered a response, from the proxy's header.</summary>
    public static int NodeOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(NodeHeader, out var values) ? PortOf(values.Last()) : throw new InvalidOperationException("The proxy did not say which node answered.");

    public static int PortOf(string upstream) => int.Parse(upstream.Split(',').Last().Trim().Split(':').Last(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A machine client's access token for the management API, through the proxy.</summary>
    public async Task<ClusterClient> ApiAsync()
    {
        var http = Client();
        var token = await http.ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, string.Join(' ', TestClients.Machine.Scopes!));
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.AccessToken ?? throw new InvalidOperationException(token.Json.ToString()));
        return http;
    }

    /// <summary>Kills a node's process (and its sandbox workers) without letting it shut down: a crashed machine.</summary>
    public static async Task KillAsync(Node node)
    {
        if (node.Process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Starts the node (again) on its port and waits until it reports ready.</summary>
    public async Task StartAsync(Node node)
    {
        node.Process?.Dispose();
        var serverDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [serverDll])
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{node.Port}";
        // The project's own directory as content root: wwwroot (styles, scripts) as a deployment has it.
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "src", "LazyMigrate.Server"));
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => node.Log(e.Data);
        process.ErrorDataReceived += (_, e) => node.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        node.Process = process;

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.Port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"Node {node.Number} exited with {process.ExitCode}:\n{node.Output}");
            }

            try
            {
                using var ready = await http.GetAsync("health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Node {node.Number} was not ready within 4 minutes:\n{node.Output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>nginx with deploy/nginx/lazymigrate.conf.template filled in as the nginx image's entrypoint does.</summary>
    private async Task<Process> StartNginxAsync(int port, string root)
    {
        var template = await File.ReadAllTextAsync(Path.Combine(root, "deploy", "nginx", "lazymigrate.conf.template"));
        var site = template
            .Replace("${LAZYMIGRATE_LISTEN}", $"127.0.0.1:{port}", StringComparison.Ordinal)
            .Replace("${LAZYMIGRATE_UPSTREAM_1}", $"127.0.0.1:{Nodes[0].Port}", StringComparison.Ordinal)
            .Replace("${LAZYMIGRATE_UPSTREAM_2}", $"127.0.0.1:{Nodes[1].Port}", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(_directory, "lazymigrate.conf"), site);
        // One worker: round robin then alternates strictly between the nodes, request after request.
        await File.WriteAllTextAsync(Path.Combine(_directory, "nginx.conf"), $$"""
            daemon off;
            worker_processes 1;
            pid {{_directory}}/nginx.pid;
            error_log {{_directory}}/error.log warn;
            events { worker_connections 512; }
            http {
                # The proxy's own record of which node answered what, read by the tests.
                log_format nodes '$request_method $uri $status $upstream_addr';
                access_log {{_directory}}/access.log nodes;
                client_body_temp_path {{_directory}}/client_body;
                proxy_temp_path {{_directory}}/proxy;
                fastcgi_temp_path {{_directory}}/fastcgi;
                uwsgi_temp_path {{_directory}}/uwsgi;
                scgi_temp_path {{_directory}}/scgi;
                # For the tests only: which node answered.
                add_header {{NodeHeader}} $upstream_addr always;
                include {{_directory}}/lazymigrate.conf;
            }
            """);
        var nginx = Environment.GetEnvironmentVariable("LAZYMIGRATE_NGINX") is { Length: > 0 } path ? path
            : File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        var start = new ProcessStartInfo(nginx, ["-p", _directory, "-c", Path.Combine(_directory, "nginx.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.ErrorDataReceived += (_, e) => output.AppendLine(e.Data);
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = Issuer, Timeout = TimeSpan.FromSeconds(10) };
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {output}");
            }

            try
            {
                using var ready = await http.GetAsync("health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < until)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_nginx is { HasExited: false })
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }

        _nginx?.Dispose();
        foreach (var node in Nodes)
        {
            if (node.Process is { HasExited: false } process)
            {
                // A clean stop: the node gives back its job lease and sandbox workers.
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            node.Process?.Dispose();
        }

        if (Legacy is not null)
        {
            await Legacy.DisposeAsync();
            await using var server = new NpgsqlConnection(await PostgresServer.GetConnectionStringAsync());
            await server.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS {LegacyRole}", server);
            await drop.ExecuteNonQueryAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LazyMigrate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (LazyMigrate.sln) was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>One line of the proxy's access log.</summary>
    public sealed record ProxyEntry(string Method, string Path, int Status, int Node);

    /// <summary>One server process of the cluster; its output is kept under TestResults/cluster for whoever reads a failure.</summary>
    public sealed class Node(int number)
    {
        private readonly StringBuilder _output = new();
        private readonly string _file = Path.Combine(RepositoryRoot(), "TestResults", "cluster", $"node-{number}.log");

        public int Number { get; } = number;

        public int Port { get; internal set; }

        public Process? Process { get; internal set; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.Length > 20_000 ? _output.ToString(_output.Length - 20_000, 20_000) : _output.ToString();
                }
            }
        }

        internal void Log(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                    Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_file)!);
                    File.AppendAllText(_file, line + Environment.NewLine);
                }
            }
        }
    }
}

/// <summary>An HTTP client through the proxy; <see cref="Answered"/> lists, in order, the port of the node behind each response.</summary>
public sealed class ClusterClient : HttpClient
{
    private readonly NodeRecorder _recorder;

    public ClusterClient(Uri issuer)
        : this(new NodeRecorder(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }), issuer)
    {
    }

    private ClusterClient(NodeRecorder recorder, Uri issuer)
        : base(recorder, disposeHandler: true)
    {
        _recorder = recorder;
        BaseAddress = issuer;
        Timeout = TimeSpan.FromMinutes(5);
    }

    public IReadOnlyList<int> Answered => [.. _recorder.Nodes];

    /// <summary>The node behind the last response.</summary>
    public int LastNode => _recorder.Nodes.Last();

    private sealed class NodeRecorder(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public System.Collections.Concurrent.ConcurrentQueue<int> Nodes { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            Nodes.Enqueue(TwoNodeCluster.NodeOf(response));
            return response;
        }
    }
}
