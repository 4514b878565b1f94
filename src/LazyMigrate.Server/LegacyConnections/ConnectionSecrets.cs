using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace LazyMigrate.Server.LegacyConnections;

/// <summary>Protects connection secrets at rest with the Data Protection keys every node shares.</summary>
public sealed class ConnectionSecrets(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("LazyMigrate.Connections.v1");

    public string? Protect(string? value) => value is null ? null : _protector.Protect(value);

    public string? Unprotect(string? value) => value is null ? null : _protector.Unprotect(value);

    /// <summary>A connection's settings (plain and secret alike), unprotected; empty when none are stored.</summary>
    public Dictionary<string, string> UnprotectSettings(string? protectedSettings) =>
        Unprotect(protectedSettings) is { } json ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [] : [];
}
