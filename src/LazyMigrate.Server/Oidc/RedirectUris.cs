namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Which redirect (and post-logout redirect) URIs a client may register, in configuration, the API and the console
/// alike: https; http only on a loopback address (RFC 8252 §7.3); a native app's private-use scheme named after a
/// reverse domain (RFC 8252 §7.1, "com.example.app:/callback"). Never a scheme a browser runs or reads locally.
/// </summary>
public static class RedirectUris
{
    public const string Rule = "must be an absolute URI without a fragment: https, http only on localhost or a loopback " +
        "address, or a native app's private-use scheme named after a reverse domain (com.example.app:/callback)";

    // Executed or read by the browser itself: a code sent there is a code handed to a script or a local file.
    private static readonly HashSet<string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        "javascript", "vbscript", "data", "file", "blob", "about", "filesystem", "view-source", "ws", "wss", "ftp", "mailto", "tel",
    };

    public static bool IsAllowed(string? value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) && IsAllowed(uri);

    public static bool IsAllowed(Uri uri)
    {
        // Exact matching is only meaningful for absolute URIs; fragments are forbidden by RFC 6749 §3.1.2.
        if (!uri.IsAbsoluteUri || uri.Fragment.Length > 0 || Refused.Contains(uri.Scheme))
        {
            return false;
        }

        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            return uri.Host.Length > 0;
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            return uri.IsLoopback;
        }

        return uri.Scheme.Contains('.', StringComparison.Ordinal);
    }
}
