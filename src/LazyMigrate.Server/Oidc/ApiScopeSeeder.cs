using LazyMigrate.Server.Data;
using LazyMigrate.Server.Management;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Gives every API scope the audience its access tokens are for: each management scope the management API
/// (<see cref="ManagementExtensions.Audience"/>), each scope a configured client serves (<c>ApiScopes</c>) that client.
/// OpenIddict turns a granted scope's resources into the token's <c>aud</c>, which the API requires and which decides
/// who may introspect the token (<see cref="IntrospectionAccess"/>). Runs before the client seeder, which only creates
/// scopes that do not exist yet.
/// </summary>
public sealed class ApiScopeSeeder(IOpenIddictScopeManager scopes, IOptions<OidcOptions> options) : IDatabaseSeeder
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, audiences) in Audiences(options.Value))
        {
            var descriptor = new OpenIddictScopeDescriptor();
            var existing = await scopes.FindByNameAsync(name, cancellationToken);
            if (existing is not null)
            {
                await scopes.PopulateAsync(descriptor, existing, cancellationToken);
                if (descriptor.Resources.SetEquals(audiences))
                {
                    continue;
                }
            }

            descriptor.Name = name;
            descriptor.DisplayName ??= ManagementScopes.All.GetValueOrDefault(name) ?? name;
            descriptor.Resources.Clear();
            descriptor.Resources.UnionWith(audiences);
            if (existing is null)
            {
                await scopes.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                await scopes.UpdateAsync(existing, descriptor, cancellationToken);
            }
        }
    }

    internal static Dictionary<string, HashSet<string>> Audiences(OidcOptions options)
    {
        var audiences = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var scope in ManagementScopes.All.Keys)
        {
            audiences[scope] = new(StringComparer.Ordinal) { ManagementExtensions.Audience };
        }

        foreach (var client in options.Clients.Where(c => !string.IsNullOrEmpty(c.ClientId)))
        {
            foreach (var scope in client.ApiScopes)
            {
                if (!audiences.TryGetValue(scope, out var set))
                {
                    audiences[scope] = set = new(StringComparer.Ordinal);
                }

                set.Add(client.ClientId!);
            }
        }

        return audiences;
    }
}
