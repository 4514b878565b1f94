using System.ComponentModel.DataAnnotations;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Login;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using OpenIddict.Abstractions;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Account;

public sealed class LoginModel(LoginPipeline login, PasskeySignIn passkeySignIn) : PageModel
{
    internal const string InvalidPasskeyMessage = "That passkey didn't work. Try again, or sign in with your password.";

    /// <summary>A browser's credential JSON is a few kilobytes; anything far larger is not one.</summary>
    internal const int MaximumCredentialLength = 64 * 1024;

    /// <summary>The browser's credential from <c>navigator.credentials.get()</c>, as JSON (wwwroot/js/passkeys.js).</summary>
    [BindProperty]
    public string? Credential { get; set; }

    // One message for unknown user, wrong password and lockout: the page must not reveal which accounts exist.
    internal const string InvalidCredentialsMessage = "Incorrect email, username or password.";
    internal const string UnavailableMessage = "We can't sign you in right now. Please try again in a few minutes.";
    internal const string ThrottledMessage = "Too many attempts. Please wait a little before trying again.";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public LoginInput Input { get; set; } = new();

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        return Answer(await login.SignInAsync(Input.Identifier!, Input.Password!, ClientIdOf(ReturnUrl), cancellationToken), InvalidCredentialsMessage);
    }

    /// <summary>The options for a passwordless <c>navigator.credentials.get()</c>: any passkey of this site (discoverable).</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync() => Content(await passkeySignIn.PasswordlessOptionsAsync(), "application/json");

    /// <summary>Sign-in with a passkey alone; it ends like a password sign-in, back into the authorization request.</summary>
    public async Task<IActionResult> OnPostPasskeyAsync(CancellationToken cancellationToken)
    {
        // The password form's fields are not part of this form.
        ModelState.Clear();
        if (string.IsNullOrEmpty(Credential) || Credential.Length > MaximumCredentialLength)
        {
            ModelState.AddModelError(string.Empty, InvalidPasskeyMessage);
            return Page();
        }

        return Answer(await passkeySignIn.PasswordlessAsync(Credential, cancellationToken), InvalidPasskeyMessage);
    }

    private IActionResult Answer(LoginResult result, string invalidMessage)
    {
        switch (result)
        {
            case LoginResult.SecondFactorRequired:
                return RedirectToPage("/Account/SecondFactor", new { ReturnUrl });
            case LoginResult.SignedIn:
                // Only ever back into this site (normally /connect/authorize): no open redirect through the login page.
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
            case LoginResult.Throttled:
                // The same for every identifier: it says nothing about whether the account exists.
                ModelState.AddModelError(string.Empty, ThrottledMessage);
                return Page();
            case LoginResult.Unavailable:
                ModelState.AddModelError(string.Empty, UnavailableMessage);
                return Page();
            case LoginResult.LockedOut:
                ModelState.AddModelError(string.Empty, InvalidCredentialsMessage);
                return Page();
            default:
                ModelState.AddModelError(string.Empty, invalidMessage);
                return Page();
        }
    }

    /// <summary>The application behind the authorization request the person came from, for the scripts' <c>context.clientId</c>.</summary>
    private string? ClientIdOf(string? returnUrl)
    {
        var query = Url.IsLocalUrl(returnUrl) && returnUrl is not null ? returnUrl.IndexOf('?', StringComparison.Ordinal) : -1;
        if (query < 0)
        {
            return null;
        }

        // A local return URL with a query but no client_id (typed by hand, or hostile) is no authorization request.
        if (!QueryHelpers.ParseQuery(returnUrl![query..]).TryGetValue(OpenIddictConstants.Parameters.ClientId, out var values))
        {
            return null;
        }

        var clientId = values.ToString();
        return clientId.Length is > 0 and <= 200 ? clientId : null;
    }
}

public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your email or username.")]
    [StringLength(256)]
    public string? Identifier { get; set; }

    [Required(ErrorMessage = "Enter your password.")]
    [StringLength(PasswordPolicy.MaximumLength, ErrorMessage = "Incorrect email, username or password.")]
    [DataType(DataType.Password)]
    public string? Password { get; set; }
}
