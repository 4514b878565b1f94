using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace LazyMigrate.Server.Data;

/// <summary>
/// <c>LazyMigrate:DataProtection:Certificate</c>: the certificate whose key encrypts the Data Protection key ring at
/// rest. <see cref="Path"/> is a PKCS#12 file (with <see cref="Password"/>) or a PEM certificate (with
/// <see cref="KeyPath"/>, its PEM private key). Every node needs the same certificate.
/// </summary>
public sealed class DataProtectionCertificateOptions
{
    public const string Section = "LazyMigrate:DataProtection:Certificate";

    public string? Path { get; set; }

    public string? Password { get; set; }

    public string? KeyPath { get; set; }

    /// <summary>Certificates that encrypted older keys (PKCS#12 paths with their passwords, or PEM pairs), still accepted for decryption after a certificate change.</summary>
    public List<DataProtectionCertificateOptions> Previous { get; set; } = [];

    internal X509Certificate2 Load()
    {
        if (!File.Exists(Path) || (!string.IsNullOrEmpty(KeyPath) && !File.Exists(KeyPath)))
        {
            throw new InvalidOperationException($"{Section}:Path (LazyMigrate__DataProtection__Certificate__Path): '{Path}' (or its KeyPath) is not a readable file.");
        }

        var certificate = string.IsNullOrEmpty(KeyPath)
            ? X509CertificateLoader.LoadPkcs12FromFile(Path!, Password, X509KeyStorageFlags.EphemeralKeySet)
            : X509Certificate2.CreateFromPemFile(Path!, KeyPath);
        return certificate.HasPrivateKey ? certificate
            : throw new InvalidOperationException($"{Section}: the certificate at '{Path}' has no private key, so the key ring it encrypts could not be read back.");
    }
}

/// <summary>
/// Encrypts the key ring with the configured certificate when one is given (so a copy of the database alone opens no
/// cookie and no protected signing key), and decrypts with it and any previous one. Without a certificate the keys
/// stay as they were, and Data Protection warns about it at start-up.
/// </summary>
internal static class DataProtectionKeyEncryption
{
    public static IDataProtectionBuilder ProtectKeysWithConfiguredCertificate(this IDataProtectionBuilder builder, IConfiguration configuration)
    {
        var options = configuration.GetSection(DataProtectionCertificateOptions.Section).Get<DataProtectionCertificateOptions>();
        if (string.IsNullOrEmpty(options?.Path))
        {
            return builder;
        }

        var current = options.Load();
        // Decryption finds the certificates here rather than in the machine's certificate store.
        return builder.ProtectKeysWithCertificate(current)
            .UnprotectKeysWithAnyCertificate([current, .. options.Previous.Select(previous => previous.Load())]);
    }
}
