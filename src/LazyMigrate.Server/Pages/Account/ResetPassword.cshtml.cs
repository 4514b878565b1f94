using System.ComponentModel.DataAnnotations;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Account;

public sealed class ResetPasswordModel(PasswordResets resets) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Kind { get; set; }

    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(PasswordPolicy.MaximumLength, MinimumLength = PasswordPolicy.MinimumLength, ErrorMessage = "Passwords must be 8 to 256 characters long.")]
    [DataType(DataType.Password)]
    public string? Password { get; set; }

    [BindProperty]
    [Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
    [DataType(DataType.Password)]
    public string? ConfirmPassword { get; set; }

    public bool Done { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = Kind is "local" or "legacy" && !string.IsNullOrEmpty(Token)
            ? await resets.CompleteAsync(Kind, Id, Token, Password!, cancellationToken)
            : Microsoft.AspNetCore.Identity.IdentityResult.Failed(new Microsoft.AspNetCore.Identity.IdentityError { Description = "This link is invalid or has expired. Ask for a new one." });
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                // Identity's token errors say "Invalid token."; one plain sentence is clearer.
                ModelState.AddModelError(string.Empty, error.Code == "InvalidToken" ? "This link is invalid or has expired. Ask for a new one." : error.Description);
            }

            return Page();
        }

        Done = true;
        return Page();
    }
}
