using System.Security.Cryptography;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Creates the token signing and encryption keys on first start and stores them, protected, in the database so every
/// node signs and decrypts with the same keys. Runs under the start-up lock, so concurrent first starts create one set.
/// </summary>
public sealed class ServerKeyGenerator(LazyMigrateDbContext db, IDataProtectionProvider dataProtection, TimeProvider time,
    ILogger<ServerKeyGenerator> logger) : IDatabaseSeeder
{
    internal const string ProtectorPurpose = "LazyMigrate.ServerKeys.v1";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var protector = dataProtection.CreateProtector(ProtectorPurpose);
        if (!await db.ServerKeys.AnyAsync(k => k.Use == ServerKeyUse.Signing, cancellationToken))
        {
            using var rsa = RSA.Create(2048);
            Add(ServerKeyUse.Signing, SecurityAlgorithms.RsaSha256, rsa.ExportPkcs8PrivateKey());
        }

        if (!await db.ServerKeys.AnyAsync(k => k.Use == ServerKeyUse.Encryption, cancellationToken))
        {
            // Symmetric: access tokens are only ever decrypted by this server, so there is no public half to publish.
            Add(ServerKeyUse.Encryption, SecurityAlgorithms.Aes256KW, RandomNumberGenerator.GetBytes(32));
        }

        await db.SaveChangesAsync(cancellationToken);

        void Add(ServerKeyUse use, string algorithm, byte[] material)
        {
            try
            {
                db.ServerKeys.Add(new ServerKey
                {
                    Id = Guid.NewGuid(),
                    Use = use,
                    Algorithm = algorithm,
                    ProtectedKey = Base64UrlEncoder.Encode(protector.Protect(material)),
                    CreatedAt = time.GetUtcNow(),
                });
                logger.LogInformation("Generated a new {Use} key ({Algorithm})", use, algorithm);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    }
}

/// <summary>
/// Hands the stored keys to OpenIddict when its options are first built (after migrations: it waits for the database).
/// The newest key of each use comes first, which is the one OpenIddict signs and encrypts with; older keys still validate.
/// </summary>
public sealed class ServerKeyOptions(IServiceScopeFactory scopes, DatabaseReadiness readiness) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        // Options are built synchronously; this blocks only until start-up initialisation has finished (once per process).
        readiness.Ready.GetAwaiter().GetResult();

        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        var protector = scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector(ServerKeyGenerator.ProtectorPurpose);
        var keys = db.ServerKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToList();
        foreach (var key in keys)
        {
            var material = protector.Unprotect(Base64UrlEncoder.DecodeBytes(key.ProtectedKey));
            var kid = key.Id.ToString("N");
            switch (key.Use)
            {
                case ServerKeyUse.Signing:
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(material, out _);
                    options.SigningCredentials.Add(new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = kid }, key.Algorithm));
                    break;
                case ServerKeyUse.Encryption:
                    options.EncryptionCredentials.Add(new EncryptingCredentials(
                        new SymmetricSecurityKey(material) { KeyId = kid }, key.Algorithm, SecurityAlgorithms.Aes256CbcHmacSha512));
                    break;
            }
        }
    }
}
