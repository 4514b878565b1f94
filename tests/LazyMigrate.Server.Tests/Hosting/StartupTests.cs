using System.Diagnostics;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Tests.Hosting;

/// <summary>Start-up as operators see it: several nodes on one database, restarts, and configuration mistakes.</summary>
public class StartupTests
{
    [Fact]
    public async Task TwoNodes_StartingTogetherOnAnEmptyDatabase_BothServe_AndAcceptEachOthersTokens()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        await using var first = new LazyMigrateServer(database.ConnectionString, settings);
        await using var second = new LazyMigrateServer(database.ConnectionString, settings);

        // Both run migrations, key generation and seeding at the same moment.
        await Task.WhenAll(Task.Run(() => first.Server), Task.Run(() => second.Server));

        var issued = await first.CreateClient().ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");
        var token = issued["access_token"];
        Assert.False(string.IsNullOrEmpty(token), issued.Json.ToString());

        // Access tokens are encrypted and signed with the keys in the database: only a node with the same keys reads it.
        var introspected = await second.CreateClient().IntrospectAsync(TestClients.Machine, token!);
        Assert.Equal("true", introspected["active"]);
        Assert.Equal(TestClients.Machine.ClientId, introspected["client_id"]);

        Assert.Equal(1, await second.WithDatabaseAsync(db => db.Users.CountAsync(u => u.Email == TestUsers.AdminEmail, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Seeding_IsIdempotentAcrossRestarts_AndAChangedClientIsUpdated()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        (int Users, long Applications, int Keys) before;
        await using (var server = new LazyMigrateServer(database.ConnectionString, settings))
        {
            before = await CountAsync(server);
        }

        settings["LazyMigrate:Clients:0:RedirectUris:0"] = "https://web.example/new-callback";
        await using var restarted = new LazyMigrateServer(database.ConnectionString, settings);
        var after = await CountAsync(restarted);

        Assert.Equal(before, after);
        await using var scope = restarted.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var web = await applications.FindByClientIdAsync(TestClients.Web.ClientId, TestContext.Current.CancellationToken);
        Assert.NotNull(web);
        var redirects = await applications.GetRedirectUrisAsync(web, TestContext.Current.CancellationToken);
        Assert.Equal(["https://web.example/new-callback"], redirects.ToArray());
    }

    [Fact]
    public async Task BadConfiguration_StopsTheProcessWithANonZeroExitCode_NamingTheSetting()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var serverDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [serverDll])
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ConnectionStrings__Default"] = database.ConnectionString;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["LazyMigrate__Issuer"] = "http://localhost:5999";
        start.Environment["LazyMigrate__AllowHttp"] = "true";
        // A public client with nowhere to send its users: a deployment mistake that must stop start-up.
        start.Environment["LazyMigrate__Clients__0__ClientId"] = "forgot-redirect";

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var text = await output + await errors;
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("LazyMigrate:Clients:0:RedirectUris", text, StringComparison.Ordinal);
    }

    private static async Task<(int Users, long Applications, int Keys)> CountAsync(LazyMigrateServer server)
    {
        _ = server.Server;
        var ct = TestContext.Current.CancellationToken;
        var users = await server.WithDatabaseAsync(db => db.Users.CountAsync(ct));
        var keys = await server.WithDatabaseAsync(db => db.Set<ServerKey>().CountAsync(ct));
        await using var scope = server.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        return (users, await applications.CountAsync(ct), keys);
    }
}
