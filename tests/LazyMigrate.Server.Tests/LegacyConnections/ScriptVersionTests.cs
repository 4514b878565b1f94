using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.LegacyConnections;

public class ScriptVersionTests
{
    [Fact]
    public async Task AChangedScriptFile_BecomesANewVersionAtTheNextStart_AndAnUnchangedOneDoesNot()
    {
        await using var store = await PostgresServer.CreateDatabaseAsync();
        var script = Path.Combine(Path.GetTempPath(), $"login-{Guid.NewGuid():N}.js");
        try
        {
            await File.WriteAllTextAsync(script, "async function login(email, password, context) { return null; }", TestContext.Current.CancellationToken);
            var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
            foreach (var (key, value) in LegacyServerFixture.ConnectionSettings(0, "versioned", "Host=127.0.0.1;Database=unused", TimeSpan.FromSeconds(5), script))
            {
                settings[key] = value;
            }

            int[] first = [1], second = [1, 2];
            Assert.Equal(first, await StartAndReadVersionsAsync(store, settings));
            await File.WriteAllTextAsync(script, "async function login(email, password, context) { log.info('v2'); return null; }", TestContext.Current.CancellationToken);
            Assert.Equal(second, await StartAndReadVersionsAsync(store, settings));
            Assert.Equal(second, await StartAndReadVersionsAsync(store, settings));

            await using var server = new LazyMigrateServer(store.ConnectionString, settings);
            _ = server.Server;
            var changes = await server.WithDatabaseAsync(db => db.AuditEvents.Where(a => a.Type == AuditEventType.ScriptChanged && a.Connection == "versioned")
                .Select(a => a.Detail).ToListAsync(TestContext.Current.CancellationToken));
            Assert.Contains("Login script version 2 by configuration", changes);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task EditsMadeAtRunTime_SurviveARestart_UntilConfigurationItselfChanges()
    {
        await using var store = await PostgresServer.CreateDatabaseAsync();
        var script = Path.Combine(Path.GetTempPath(), $"login-{Guid.NewGuid():N}.js");
        var ct = TestContext.Current.CancellationToken;
        try
        {
            await File.WriteAllTextAsync(script, "async function login(email, password, context) { return null; }", ct);
            var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
            foreach (var (key, value) in LegacyServerFixture.ConnectionSettings(0, "edited", "Host=127.0.0.1;Database=unused", TimeSpan.FromSeconds(5), script))
            {
                settings[key] = value;
            }

            await using (var server = new LazyMigrateServer(store.ConnectionString, settings))
            {
                await using var scope = server.Services.CreateAsyncScope();
                var connections = scope.ServiceProvider.GetRequiredService<ConnectionAdministration>();
                var saved = await scope.ServiceProvider.GetRequiredService<ScriptVersions>().SaveScriptAsync("edited", ScriptFunction.Login,
                    "async function login(email, password, context) { log.info('edited'); return null; }", "*", "admin:someone", ct);
                Assert.IsType<ConnectionResult.Done<ScriptView>>(saved);
                var changed = await connections.UpdateAsync("edited", new ConnectionChange { TimeoutMilliseconds = 1234 }, "*", "admin:someone", ct);
                Assert.IsType<ConnectionResult.Done<ConnectionView>>(changed);
            }

            // A restart with the same configuration keeps the edits.
            int[] kept = [1, 2], reapplied = [1, 2, 3];
            Assert.Equal(kept, await StartAndReadVersionsAsync(store, settings));
            Assert.Equal(1234, await TimeoutAsync(store, settings));

            // Configuration that changes wins again: a new file is a new version, a new timeout is applied.
            await File.WriteAllTextAsync(script, "async function login(email, password, context) { log.info('v3'); return null; }", ct);
            settings["LazyMigrate:Connections:0:Timeout"] = "00:00:07";
            Assert.Equal(reapplied, await StartAndReadVersionsAsync(store, settings));
            Assert.Equal(7000, await TimeoutAsync(store, settings));
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<int> TimeoutAsync(TestDatabase store, Dictionary<string, string?> settings)
    {
        await using var server = new LazyMigrateServer(store.ConnectionString, settings);
        _ = server.Server;
        return await server.WithDatabaseAsync(db => db.LegacyConnections.Where(c => c.Name == "edited").Select(c => c.TimeoutMilliseconds).SingleAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<int[]> StartAndReadVersionsAsync(TestDatabase store, Dictionary<string, string?> settings)
    {
        await using var server = new LazyMigrateServer(store.ConnectionString, settings);
        _ = server.Server;
        return await server.WithDatabaseAsync(db => db.ScriptVersions.Where(v => v.Function == ScriptFunction.Login)
            .OrderBy(v => v.Version).Select(v => v.Version).ToArrayAsync(TestContext.Current.CancellationToken));
    }
}
