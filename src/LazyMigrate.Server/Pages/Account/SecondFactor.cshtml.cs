using System.ComponentModel.DataAnnotations;
using LazyMigrate.Server.Login;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Pages.Account;

/// <summary>The code step after the password, for users with a second factor.</summary>
public sealed class SecondFactorModel(SecondFactorSignIn secondFactor, IOptions<MfaOptions> options) : PageModel
{
    internal const string InvalidCodeMessage = "That code didn't work. Check the code and try again.";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public SecondFactorInput Input { get; set; } = new();

    public bool CanRememberBrowser => options.Value.RememberBrowserFor > TimeSpan.Zero;

    public int RememberDays => (int)Math.Ceiling(options.Value.RememberBrowserFor.TotalDays);

    public async Task<IActionResult> OnGetAsync() =>
        await secondFactor.PendingUserAsync() is null ? BackToLogin() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        switch (await secondFactor.VerifyAsync(Input.Code!, Input.RememberBrowser && CanRememberBrowser, cancellationToken))
        {
            case SecondFactorResult.SignedIn:
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
            case SecondFactorResult.NoPendingSignIn:
                return BackToLogin();
            case SecondFactorResult.Throttled:
                ModelState.AddModelError(string.Empty, LoginModel.ThrottledMessage);
                return Page();
            case SecondFactorResult.LockedOut:
                ModelState.AddModelError(string.Empty, LoginModel.InvalidCredentialsMessage);
                return Page();
            default:
                ModelState.AddModelError(string.Empty, InvalidCodeMessage);
                return Page();
        }
    }

    private RedirectToPageResult BackToLogin() => RedirectToPage("/Account/Login", new { ReturnUrl });
}

public sealed class SecondFactorInput
{
    [Required(ErrorMessage = "Enter the code.")]
    [StringLength(64, ErrorMessage = "That code didn't work. Check the code and try again.")]
    public string? Code { get; set; }

    public bool RememberBrowser { get; set; }
}
