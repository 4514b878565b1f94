namespace LazyMigrate.E2E.Tests;

/// <summary>
/// The live server with a legacy connection, its issuer configured without a trailing slash, and an ASP.NET Core web
/// application of its own using Microsoft's OpenID Connect handler as a relying party.
/// </summary>
public sealed class AspNetCoreRelyingPartyServer : ConsoleServer
{
    private Uri _relyingPartyUri = null!;

    public AspNetCoreRelyingParty RelyingParty { get; private set; } = null!;

    /// <summary>The issuer as configured and published: no trailing slash.</summary>
    public string Authority => Issuer.AbsoluteUri.TrimEnd('/');

    protected override async Task ConfigureAsync(Dictionary<string, string?> settings)
    {
        await base.ConfigureAsync(settings);
        settings["LazyMigrate:Issuer"] = Authority;
        _relyingPartyUri = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}/");
        var index = settings.Keys.Count(k => k.StartsWith("LazyMigrate:Clients:", StringComparison.Ordinal) && k.EndsWith(":ClientId", StringComparison.Ordinal));
        foreach (var (key, value) in AspNetCoreRelyingParty.Client(_relyingPartyUri).ToSettings(index))
        {
            settings[key] = value;
        }
    }

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        RelyingParty = await AspNetCoreRelyingParty.StartAsync(_relyingPartyUri, Authority);
    }

    public override async ValueTask DisposeAsync()
    {
        if (RelyingParty is not null)
        {
            await RelyingParty.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}
