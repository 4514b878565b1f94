using LazyMigrate.Server.Hosting;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages;

/// <summary>
/// Shown for protocol errors that cannot be sent back to the client (unknown client, redirect URI not registered: the
/// user must never be redirected there) and for unexpected failures. It never shows exception details.
/// </summary>
[IgnoreAntiforgeryToken]
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public sealed class ErrorModel : PageModel
{
    public string? Error { get; private set; }

    public string? Description { get; private set; }

    public int Status { get; private set; }

    public string? RequestId { get; private set; }

    public void OnGet() => Describe();

    public void OnPost() => Describe();

    private void Describe()
    {
        var response = HttpContext.GetOpenIddictServerResponse();
        Error = response?.Error;
        Description = response?.ErrorDescription;
        if (HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error is { } error && DatabaseOutage.IsOutage(error))
        {
            // Our own database is down: nothing the person did wrong, and nothing to retry at once.
            HttpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            HttpContext.Response.Headers.RetryAfter = "10";
        }

        Status = HttpContext.Response.StatusCode;
        RequestId = HttpContext.TraceIdentifier;
    }
}
