using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Data;

/// <summary>One step of start-up that writes to the database (keys, clients, the bootstrap admin); run in registration order.</summary>
public interface IDatabaseSeeder
{
    Task SeedAsync(CancellationToken cancellationToken);
}

/// <summary>Completes once migrations and seeding have run, so nothing reads the database before it has its schema.</summary>
public sealed class DatabaseReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    internal void MarkReady() => _ready.TrySetResult();

    internal void MarkFailed(Exception exception) => _ready.TrySetException(exception);
}

/// <summary>
/// Applies EF migrations and runs the seeders before anything else touches the database. Hosted services start before
/// Kestrel accepts requests, and a failure here stops the host, so a node never serves with a half-initialised schema.
/// </summary>
public sealed class DatabaseInitializer(IServiceScopeFactory scopes, DatabaseReadiness readiness, ILogger<DatabaseInitializer> logger)
    : IHostedService
{
    // Arbitrary application-wide key ("LazyMig"). Every node takes it around migration and seeding, so when several
    // start at once on an empty database one does the work and the others then find it done.
    private const long StartupLockKey = 0x4C_61_7A_79_4D_69_67;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
            var strategy = db.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async ct =>
            {
                await db.Database.OpenConnectionAsync(ct);
                try
                {
                    // A session-level lock on the context's own connection: migrations and seeders below use the same one.
                    await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({StartupLockKey})", ct);
                    // EF Core takes its own migration lock too; ours also covers the seeders below.
                    await db.Database.MigrateAsync(ct);

                    foreach (var seeder in scope.ServiceProvider.GetServices<IDatabaseSeeder>())
                    {
                        await seeder.SeedAsync(ct);
                    }
                }
                finally
                {
                    await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({StartupLockKey})", CancellationToken.None);
                    await db.Database.CloseConnectionAsync();
                }
            }, cancellationToken);

            readiness.MarkReady();
            logger.LogInformation("Database ready");
        }
        catch (Exception ex)
        {
            readiness.MarkFailed(ex);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
