using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Console;

/// <summary>A console page: the admin it acts for is named in the audit trail as <c>admin:EMAIL</c>.</summary>
[ResponseCache(Duration = 0, Location = ResponseCacheLocation.None, NoStore = true)]
public abstract class ConsolePage : PageModel
{
    protected string Actor => "admin:" + (User.FindFirstValue(ClaimTypes.Email) ?? User.Identity?.Name ?? "unknown");

    /// <summary>A one-line outcome of a change, shown by the layout after the redirect that follows the post.</summary>
    protected void Notify(string message) => TempData["Notice"] = message;

    /// <summary>Field errors from a service (camelCase field names), for the form's error summary.</summary>
    protected void AddErrors(IDictionary<string, string[]> errors)
    {
        foreach (var (field, messages) in errors)
        {
            foreach (var message in messages)
            {
                ModelState.AddModelError(field, message);
            }
        }
    }
}
