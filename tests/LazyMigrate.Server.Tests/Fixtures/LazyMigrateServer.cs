using LazyMigrate.Server.Data;
using LazyMigrate.Server.Demo;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// The real server (Program) on a real PostgreSQL database, configured only through settings, exactly as a deployment
/// is. Requests go through the whole pipeline. Several instances may share one database (two nodes).
/// </summary>
public class LazyMigrateServer(string connectionString, IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    /// <summary>The issuer of in-memory servers: TestServer answers on http://localhost.</summary>
    public static readonly Uri InMemoryIssuer = new("http://localhost/");

    /// <summary>Extra service registrations for one test (fakes for later features, clocks...).</summary>
    public Action<IServiceCollection>? ConfigureTestServices { get; init; }

    public IReadOnlyDictionary<string, string?> Settings { get; } = settings;

    /// <summary>The hosting environment; Testing unless a test checks a production default.</summary>
    public string Environment { get; init; } = "Testing";

    /// <summary>True when listening on a real socket (browser tests) instead of in memory.</summary>
    public bool UsesNetwork { get; private set; }

    /// <summary>Runs <paramref name="action"/> on a fresh DbContext of this server's database (a scope of its own).</summary>
    public async Task<T> WithDatabaseAsync<T>(Func<LazyMigrateDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>());
    }

    /// <inheritdoc cref="WithDatabaseAsync{T}"/>
    public async Task WithDatabaseAsync(Func<LazyMigrateDbContext, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>());
    }

    /// <summary>Listens on a real loopback port; call before the server starts, then <c>StartServer()</c>.</summary>
    public void ListenOnLoopback(int port)
    {
        UsesNetwork = true;
        UseKestrel(options => options.Listen(System.Net.IPAddress.Loopback, port));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("ConnectionStrings:Default", connectionString);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            // In memory, the demo relying party reaches the server through TestServer instead of the network.
            // With UseKestrel (browser tests) the default handler talks to the real listener.
            services.AddHttpClient<DemoRelyingParty>().ConfigurePrimaryHttpMessageHandler(() =>
                UsesNetwork ? new SocketsHttpHandler() : Server.CreateHandler());
            ConfigureTestServices?.Invoke(services);
        });
    }
}
