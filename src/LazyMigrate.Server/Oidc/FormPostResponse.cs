using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore;
using Microsoft.Extensions.Primitives;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Renders <c>response_mode=form_post</c> authorization responses (the default of ASP.NET Core's OpenID Connect handler)
/// in place of OpenIddict's page, whose inline script the site-wide <c>script-src 'self'</c> blocks. The form submits
/// itself from a script file we serve, so the CSP stays as strict here as everywhere else, and its button stays visible
/// for a browser without JavaScript.
/// </summary>
public sealed class FormPostResponse : IOpenIddictServerHandler<ApplyAuthorizationResponseContext>
{
    /// <summary>The script that submits the form; served from wwwroot like any other static file.</summary>
    public const string ScriptPath = "/js/form-post.js";

    // Just before OpenIddict's own form_post handler, which never runs once this one has handled the request.
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyAuthorizationResponseContext>()
            .AddFilter<OpenIddictServerAspNetCoreHandlerFilters.RequireHttpRequest>()
            .UseSingletonHandler<FormPostResponse>()
            .SetOrder(OpenIddictServerAspNetCoreHandlers.Authentication.ProcessFormPostResponse.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(ApplyAuthorizationResponseContext context)
    {
        if (string.IsNullOrEmpty(context.RedirectUri) || !string.Equals(context.ResponseMode, ResponseModes.FormPost, StringComparison.Ordinal))
        {
            return;
        }

        var http = context.Transaction.GetHttpRequest()?.HttpContext
            ?? throw new InvalidOperationException("The form_post response has no ASP.NET Core request to answer.");
        var html = Render(context.RedirectUri, context.Response.GetParameters()
            .SelectMany(parameter => ((StringValues?)parameter.Value)?.ToArray() ?? [], (parameter, value) => (parameter.Key, Value: value))
            .Where(parameter => !string.IsNullOrEmpty(parameter.Value))!, http.Request.PathBase);

        // Note: the parameters (the code among them) are never logged; the destination is enough to follow a flow.
        context.Logger.LogDebug("Authorization response posted to {RedirectUri}", context.RedirectUri);

        var body = Encoding.UTF8.GetBytes(html);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.ContentLength = body.Length;
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";
        await http.Response.Body.WriteAsync(body, http.RequestAborted);
        context.HandleRequest();
    }

    internal static string Render(string redirectUri, IEnumerable<(string Name, string Value)> parameters, PathString pathBase)
    {
        var encoder = HtmlEncoder.Default;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">\n")
            .Append("<title>Signing you in · LazyMigrate</title>\n")
            .Append("<link rel=\"stylesheet\" href=\"").Append(encoder.Encode(pathBase + "/css/site.css")).Append("\">\n")
            .Append("<script src=\"").Append(encoder.Encode(pathBase + ScriptPath)).Append("\" defer></script>\n")
            .Append("</head>\n<body>\n<main id=\"main\" class=\"card\">\n")
            // The redirect URI was matched exactly against the client's registration; encoding it is still the rule.
            .Append("<form id=\"form-post\" method=\"post\" action=\"").Append(encoder.Encode(redirectUri)).Append("\">\n");
        foreach (var (name, value) in parameters)
        {
            html.Append("<input type=\"hidden\" name=\"").Append(encoder.Encode(name))
                .Append("\" value=\"").Append(encoder.Encode(value)).Append("\">\n");
        }

        html.Append("<h1>Returning you to the application</h1>\n")
            .Append("<p>If this page stays, press Continue.</p>\n")
            .Append("<button type=\"submit\" class=\"primary\">Continue</button>\n")
            .Append("</form>\n</main>\n</body>\n</html>\n");
        return html.ToString();
    }
}
