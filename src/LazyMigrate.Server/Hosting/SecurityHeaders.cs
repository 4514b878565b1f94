namespace LazyMigrate.Server.Hosting;

public static class SecurityHeaders
{
    // No inline script or style anywhere: the pages work without JavaScript and the CSS is one file. The one page that
    // needs a script, the form_post authorization response, loads it as a file (Oidc/FormPostResponse).
    // Note: no form-action directive. Browsers apply it to the redirects that follow a form post, and our login and
    // consent forms end in a redirect to the client's own origin.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
            headers.XContentTypeOptions = "nosniff";

            // Authorization codes travel in redirect URLs: no page of ours may pass its URL on in a Referer header.
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";

            // Users, tokens and claims must not stay in a browser's or a proxy's cache.
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/connect"))
            {
                headers.CacheControl = "no-store";
                headers.Pragma = "no-cache";
            }

            return next(context);
        });
        return app;
    }
}
