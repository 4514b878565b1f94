using System.Text.Json;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Mfa;

/// <summary>
/// A client's <c>RequireMfa</c> setting, kept as a property of its OpenIddict application (so every node reads the same
/// value from the database): its users must sign in with a second factor, and those without one enrol first.
/// </summary>
public static class ClientMfaPolicy
{
    private const string Property = "requireMfa";

    public static void Describe(OpenIddictApplicationDescriptor descriptor, bool requireMfa)
    {
        if (requireMfa)
        {
            descriptor.Properties[Property] = JsonSerializer.SerializeToElement(true);
        }
        else
        {
            descriptor.Properties.Remove(Property);
        }
    }

    public static async Task<bool> RequiresMfaAsync(IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken = default) =>
        (await applications.GetPropertiesAsync(application, cancellationToken)).TryGetValue(Property, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>By client id (from the login page's return URL, which the person controls): an unknown id requires nothing.</summary>
    public static async Task<bool> RequiresMfaAsync(IOpenIddictApplicationManager applications, string? clientId, CancellationToken cancellationToken = default) =>
        clientId is not null && await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application
            && await RequiresMfaAsync(applications, application, cancellationToken);
}
