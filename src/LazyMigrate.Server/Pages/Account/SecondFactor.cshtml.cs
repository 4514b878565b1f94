using System.ComponentModel.DataAnnotations;
using LazyMigrate.Server.Login;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Pages.Account;

/// <summary>The code step after the password, for users with a second factor: a code, a recovery code or a passkey.</summary>
public sealed class SecondFactorModel(SecondFactorSignIn secondFactor, PasskeySignIn passkeySignIn, MfaFactors factors, Passkeys passkeys, IOptions<MfaOptions> options) : PageModel
{
    internal const string InvalidCodeMessage = "That code didn't work. Check the code and try again.";
    internal const string InvalidPasskeyMessage = "That passkey didn't work. Try again, or use a code.";

    /// <summary>The browser's credential from <c>navigator.credentials.get()</c>, as JSON (wwwroot/js/passkeys.js).</summary>
    [BindProperty]
    public string? Credential { get; set; }

    /// <summary>The pending user has an authenticator (and recovery codes): the code form is shown.</summary>
    public bool HasAuthenticator { get; private set; } = true;

    /// <summary>The pending user has a passkey: the passkey button is shown (to browsers that can use it).</summary>
    public bool HasPasskey { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public SecondFactorInput Input { get; set; } = new();

    public bool CanRememberBrowser => options.Value.RememberBrowserFor > TimeSpan.Zero;

    public int RememberDays => (int)Math.Ceiling(options.Value.RememberBrowserFor.TotalDays);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : BackToLogin();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (!ModelState.IsValid)
        {
            return Page();
        }

        if (!HasAuthenticator)
        {
            // Passkeys only: an authenticator key made on the security page but never confirmed is no factor.
            ModelState.AddModelError(string.Empty, InvalidCodeMessage);
            return Page();
        }

        return Answer(await secondFactor.VerifyAsync(Input.Code!, Input.RememberBrowser && CanRememberBrowser, cancellationToken), InvalidCodeMessage);
    }

    /// <summary>The options for <c>navigator.credentials.get()</c>: the pending user's passkeys only.</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() =>
        await passkeySignIn.SecondFactorOptionsAsync() is { } json ? Content(json, "application/json") : Unauthorized();

    public async Task<IActionResult> OnPostPasskeyAsync(CancellationToken cancellationToken)
    {
        // The code form's fields are not part of this form.
        ModelState.Clear();
        if (string.IsNullOrEmpty(Credential) || Credential.Length > LoginModel.MaximumCredentialLength)
        {
            await LoadAsync(cancellationToken);
            ModelState.AddModelError(string.Empty, InvalidPasskeyMessage);
            return Page();
        }

        var result = await passkeySignIn.SecondFactorAsync(Credential, Input.RememberBrowser && CanRememberBrowser, cancellationToken);
        await LoadAsync(cancellationToken);
        return Answer(result, InvalidPasskeyMessage);
    }

    private IActionResult Answer(SecondFactorResult result, string invalidMessage)
    {
        switch (result)
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
                ModelState.AddModelError(string.Empty, invalidMessage);
                return Page();
        }
    }

    /// <summary>Which of the pending user's factors the page offers; false when no sign-in is pending.</summary>
    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        if (await secondFactor.PendingUserAsync() is not { } user)
        {
            return false;
        }

        HasPasskey = await passkeys.CountAsync(user.Id, cancellationToken) > 0;
        HasAuthenticator = !HasPasskey || await factors.HasAuthenticatorAsync(user, cancellationToken);
        return true;
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
