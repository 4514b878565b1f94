using System.Globalization;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.BulkExport;
using LazyMigrate.Server.BulkImport;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Demo;
using LazyMigrate.Server.Email;
using LazyMigrate.Server.Hosting;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.Jobs;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Login;
using LazyMigrate.Server.Management;
using LazyMigrate.Server.Mfa;
using LazyMigrate.Server.Oidc;
using LazyMigrate.Server.Pages.Console;
using LazyMigrate.Server.ResetCampaign;
using LazyMigrate.Server.Users;
using LazyMigrate.Server.Sandbox;
using Serilog;

Log.Logger = new LoggerConfiguration().WriteTo.Console(formatProvider: CultureInfo.InvariantCulture).CreateBootstrapLogger();

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddObservability();
    builder.Services.AddIdleMemoryRelease();
    builder.Services.AddProxySupport(builder.Configuration);
    builder.Services.AddErrorResponses();
    builder.Services.AddData(builder.Configuration);
    builder.Services.AddAudit();
    builder.Services.AddEmail();
    builder.Services.AddAccounts();
    builder.Services.AddMfa();
    builder.Services.AddLogin();
    builder.Services.AddLazyMigration();
    builder.Services.AddJobs();
    builder.Services.AddBulkImport();
    builder.Services.AddPullImport();
    builder.Services.AddBulkExport();
    builder.Services.AddResetCampaign();
    builder.Services.AddUsers();
    builder.Services.AddOidc();
    builder.Services.AddLegacyConnections();
    builder.Services.AddLegacyDirectory();
    builder.Services.AddSandboxWorkers();
    builder.Services.AddManagement();
    builder.Services.AddDemo();
    builder.Services.AddRazorPages();
    builder.Services.AddConsole();

    var app = builder.Build();
    app.UseProxySupport();
    app.UseRequestLogging();
    app.UseSecurityHeaders();
    app.UseErrorResponses();
    app.UseNulCharacterGuard();
    app.UseStaticFiles();
    app.UseRouting();
    app.UseAuthentication();
    app.UseAuthorization();
    app.UseRateLimiter();

    app.MapOidc();
    app.MapManagementApi();
    app.MapDemo();
    app.MapRazorPages();
    app.MapObservability();

    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    // A crash (bad configuration, database unreachable) ends the process with a non-zero code and the reason.
    Log.Fatal(ex, "LazyMigrate stopped: {Reason}", ex.Message);
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}

public partial class Program;
