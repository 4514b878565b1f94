using LazyMigrate.Server.Account;
using LazyMigrate.Server.Email;
using LazyMigrate.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// Nodes of one deployment sharing a database, each with or without the background work that turns reset requests
/// into outbox mail and sends the outbox. The fixture's own <see cref="ServerFixtureBase.Server"/> does neither, so
/// what it accepts stays in the database until a test starts a node that works on it: a node that stopped (or
/// crashed) before finishing, followed by a new one.
/// </summary>
public sealed class MailOutboxFixture : ServerFixtureBase
{
    private TestDatabase? _database;

    /// <summary>Where the nodes drop their mail (pickup mode), unless a test gives a node another folder.</summary>
    public string MailDirectory { get; } = Path.Combine(Path.GetTempPath(), $"lazymigrate-mail-{Guid.NewGuid():N}");

    /// <summary>Everything every node logged.</summary>
    public CapturedLog Log { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        Server = CreateNode(handlesRequests: false, sendsMail: false);
        _ = Server.Server;
    }

    /// <summary>A node on the fixture's database. The caller disposes it.</summary>
    public LazyMigrateServer CreateNode(bool handlesRequests, bool sendsMail, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        all["LazyMigrate:Email:PickupDirectory"] = MailDirectory;
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new LazyMigrateServer(_database!.ConnectionString, all)
        {
            ConfigureTestServices = services =>
            {
                services.AddSingleton<Serilog.Core.ILogEventSink>(Log);
                if (!handlesRequests)
                {
                    RemoveHostedService<PasswordResetWorker>(services);
                }

                if (!sendsMail)
                {
                    RemoveHostedService<EmailOutboxSender>(services);
                }
            },
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private static void RemoveHostedService<T>(IServiceCollection services) =>
        services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(T)));
}
