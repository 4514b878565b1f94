using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace LazyMigrate.Server.Hosting;

/// <summary>
/// Behind a TLS-terminating proxy: X-Forwarded-For and X-Forwarded-Proto, believed only from the proxies and networks
/// named in <c>LazyMigrate:ForwardedHeaders</c>; HSTS when the issuer is https.
/// </summary>
public static class ProxyExtensions
{
    public const string Section = "LazyMigrate:ForwardedHeaders";

    public static IServiceCollection AddProxySupport(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var proxies = section.GetSection("KnownProxies").Get<string[]>() ?? [];
        var networks = section.GetSection("KnownNetworks").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;

            // Only what configuration names: not even loopback by default (a proxy on this host is named like any other).
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address) ? address
                    : throw new InvalidOperationException($"{Section}:KnownProxies: '{proxy}' is not an IP address."));
            }

            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var parsed) ? parsed
                    : throw new InvalidOperationException($"{Section}:KnownNetworks: '{network}' is not a network in CIDR notation (10.0.0.0/8)."));
            }

            // Walk back through the chain of known proxies to the first address that is not one of them.
            options.ForwardLimit = null;
        });

        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.IncludeSubDomains = false;
        });
        return services;
    }

    /// <summary>First in the pipeline, so throttling, audit, scripts' context.ip and the cookie's Secure flag see the real client.</summary>
    public static WebApplication UseProxySupport(this WebApplication app)
    {
        var section = app.Configuration.GetSection(Section);

        // Without configuration no header is believed: ForwardedHeadersMiddleware with empty lists would trust anyone.
        if (section.GetSection("KnownProxies").GetChildren().Any() || section.GetSection("KnownNetworks").GetChildren().Any())
        {
            app.UseForwardedHeaders();
        }

        // HSTS only on https responses (UseHsts checks the request), and only where the public address is https.
        if (Uri.TryCreate(app.Configuration["LazyMigrate:Issuer"], UriKind.Absolute, out var issuer) && issuer.Scheme == Uri.UriSchemeHttps)
        {
            app.UseHsts();
        }

        return app;
    }
}
