using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LazyMigrate.Server.Tests.Fixtures;
using LazyMigrate.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Data;

/// <summary>The Data Protection key ring at rest: encrypted with the configured certificate, readable by every node that has it.</summary>
public sealed class DataProtectionKeyEncryptionTests : IDisposable
{
    private const string UnencryptedWarning = "No XML encryptor configured";
    private readonly string _directory = Directory.CreateTempSubdirectory("lazymigrate-dp-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithACertificate_TheStoredKeysAreEncrypted_WithoutTheWarning_AndAnotherNodeReadsThem()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var settings = TestClients.Settings(LazyMigrateServer.InMemoryIssuer);
        settings["LazyMigrate:DataProtection:Certificate:Path"] = CreateCertificate("a pfx password");
        settings["LazyMigrate:DataProtection:Certificate:Password"] = "a pfx password";
        var log = new CapturedLog();
        await using var first = Node(database.ConnectionString, settings, log);
        _ = first.Server;
        var token = await first.CreateClient().ClientCredentialsAsync(TestClients.Machine.ClientId, TestClients.Machine.Secret, "read:users");

        var stored = await first.WithDatabaseAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(Ct));

        Assert.NotEmpty(stored);
        Assert.All(stored, xml =>
        {
            Assert.Contains("<encryptedSecret", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
        Assert.Equal(0, log.Occurrences(UnencryptedWarning));
        // The token's keys are protected by that ring: a second node with the same certificate decrypts both.
        await using var second = Node(database.ConnectionString, settings, new CapturedLog());
        Assert.Equal("true", (await second.CreateClient().IntrospectAsync(TestClients.Machine, token.AccessToken!))["active"]);
    }

    [Fact]
    public async Task WithoutACertificate_TheKeysAreStoredInTheClear_AndTheWarningSaysSo()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync();
        var log = new CapturedLog();
        await using var server = Node(database.ConnectionString, TestClients.Settings(LazyMigrateServer.InMemoryIssuer), log);
        _ = server.Server;

        var stored = await server.WithDatabaseAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync(Ct));

        Assert.All(stored, xml => Assert.Contains("<masterKey", xml, StringComparison.Ordinal));
        Assert.True(log.Occurrences(UnencryptedWarning) > 0, log.Text);
    }

    [Fact]
    public async Task ACertificatePathThatDoesNotExist_StopsTheProcessNamingTheSetting()
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
        start.Environment["LazyMigrate__DataProtection__Certificate__Path"] = Path.Combine(_directory, "missing.pfx");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var errors = process.StandardError.ReadToEndAsync(Ct);
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

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("LazyMigrate:DataProtection:Certificate:Path", await output + await errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static LazyMigrateServer Node(string connectionString, Dictionary<string, string?> settings, CapturedLog log) =>
        new(connectionString, settings) { ConfigureTestServices = services => services.AddSingleton<Serilog.Core.ILogEventSink>(log) };

    private string CreateCertificate(string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=LazyMigrate Data Protection (tests)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(_directory, "data-protection.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        return path;
    }
}
