using System.ComponentModel.DataAnnotations;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Account;

public sealed class ForgotPasswordModel(PasswordResetRequests requests, LazyMigrateDbContext db, AccountRateLimits limits) : PageModel
{
    [BindProperty]
    [Required(ErrorMessage = "Enter your email address.")]
    [StringLength(256)]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string? Email { get; set; }

    public bool Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        // Don't reveal whether the address has an account: every address gets this answer, at once; the lookup
        // (our store, then the legacy systems) and the email happen in the background.
        if (EmailAddresses.Normalise(Email!) is { } email)
        {
            if (!await limits.TryRequestResetAsync(email, HttpContext.Connection.RemoteIpAddress?.ToString(), cancellationToken))
            {
                return StatusCode(StatusCodes.Status429TooManyRequests);
            }

            await requests.EnqueueAsync(db, email, cancellationToken);
        }

        Sent = true;
        return Page();
    }
}
