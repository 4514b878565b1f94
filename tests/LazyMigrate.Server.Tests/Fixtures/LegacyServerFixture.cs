using LazyMigrate.Scripting.Workers;
using LazyMigrate.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// A server with one Importing connection, <c>legacy</c>, running the demo's own login and getUser scripts against a
/// legacy database created for the test class.
/// </summary>
public class LegacyServerFixture : ServerFixtureBase
{
    private TestDatabase? _store;
    private Dictionary<string, string?>? _settings;

    public LegacyDatabase Legacy { get; private set; } = null!;

    /// <summary>Where the server drops the emails it sends (pickup mode).</summary>
    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), $"lazymigrate-mail-{Guid.NewGuid():N}");

    /// <summary>Everything the server logged.</summary>
    public CapturedLog Log { get; } = new();

    /// <summary>The legacy database connection string the connection uses; a class may point it somewhere dead.</summary>
    protected virtual string LegacyConnectionString(LegacyDatabase legacy) => legacy.ConnectionString;

    /// <summary>
    /// The connection's script deadline. Generous, because these classes test what a script's answer does, not its
    /// deadline: on a loaded 2-core machine a worker's first legacy call (opening the driver, compiling its paths) has
    /// taken 4.5 s. The classes that test the deadline or a dead legacy system set their own.
    /// </summary>
    protected virtual TimeSpan Timeout => TimeSpan.FromMinutes(2);

    /// <summary>The <c>legacy</c> connection's login script file; null for the demo's own.</summary>
    protected virtual string? FirstLoginScript() => null;

    /// <summary>A fresh browser fills in and submits the login form; returns where it ended up.</summary>
    public async Task<Page> LogInAsync(string identifier, string password)
    {
        using var browser = CreateBrowser();
        return await browser.LogInAsync(await browser.NavigateAsync("/Account/Login"), identifier, password);
    }

    public override async ValueTask InitializeAsync()
    {
        Legacy = await LegacyDatabase.CreateAsync();
        _store = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        foreach (var (key, value) in ConnectionSettings(0, "legacy", LegacyConnectionString(Legacy), Timeout, FirstLoginScript()))
        {
            settings[key] = value;
        }

        settings["LazyMigrate:Email:PickupDirectory"] = MailDirectory;
        ConfigureSettings(settings);
        _settings = settings;
        Server = CreateNode();
        _ = Server.Server;
        // A worker ready before the first test: starting one on a loaded machine must not eat a short script deadline.
        await Server.Services.GetRequiredService<SandboxWorkerPool>().WarmUpAsync(1);
    }

    /// <summary>Another node of the same deployment: same database, same configuration. The caller disposes it.</summary>
    /// <param name="overrides">Settings of this node only (e.g. a node that runs jobs beside one that does not).</param>
    public LazyMigrateServer CreateNode(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>(_settings!);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new(_store!.ConnectionString, settings)
        {
            ConfigureTestServices = services =>
            {
                ClientAddresses.Register(services);
                services.AddSingleton<Serilog.Core.ILogEventSink>(Log);
                ConfigureServices(services);
            },
        };
    }

    protected virtual void ConfigureSettings(Dictionary<string, string?> settings)
    {
    }

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public static IEnumerable<KeyValuePair<string, string?>> ConnectionSettings(int index, string name, string connectionString, TimeSpan timeout, string? loginScript = null)
    {
        var prefix = $"LazyMigrate:Connections:{index}:";
        var scripts = Path.Combine(RepositoryRoot(), "demo", "legacy");
        yield return new(prefix + "Name", name);
        yield return new(prefix + "State", "Importing");
        yield return new(prefix + "Database:Provider", "postgres");
        yield return new(prefix + "Database:ConnectionString", connectionString);
        yield return new(prefix + "Scripts:Login", loginScript ?? Path.Combine(scripts, "login.js"));
        yield return new(prefix + "Scripts:GetUser", Path.Combine(scripts, "getUser.js"));
        yield return new(prefix + "Scripts:CountUsers", Path.Combine(scripts, "countUsers.js"));
        yield return new(prefix + "Timeout", timeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Legacy.DisposeAsync();
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    public static string RepositoryRoot()
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
}

/// <summary>The same server, but its legacy database is unreachable (nothing listens on the port).</summary>
public sealed class DeadLegacyServerFixture : LegacyServerFixture
{
    protected override string LegacyConnectionString(LegacyDatabase legacy) =>
        new Npgsql.NpgsqlConnectionStringBuilder(legacy.ConnectionString) { Port = 1, Timeout = 2 }.ConnectionString;

    protected override TimeSpan Timeout => TimeSpan.FromSeconds(3);
}
