using System.Text;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using QRCoder;

namespace LazyMigrate.Server.Pages.Account;

/// <summary>
/// The signed-in person's second factors: enrol an authenticator app (key as text and as a QR code, confirmed with a
/// first code), recovery codes shown once, regenerate them, turn the authenticator off.
/// </summary>
[Authorize]
public sealed class SecurityModel(UserManager<User> users, SignInManager<User> signIn, MfaFactors factors, IOptions<MfaOptions> options) : PageModel
{
    internal const string WrongCodeMessage = "That code didn't work. Check the time on your phone and try the current code.";

    public bool AuthenticatorEnabled { get; private set; }

    public int RecoveryCodesLeft { get; private set; }

    /// <summary>The key in groups of four, while enrolling.</summary>
    public string? SharedKey { get; private set; }

    /// <summary>Set only in the answer that created them: they are never shown again.</summary>
    public IReadOnlyList<string>? RecoveryCodes { get; private set; }

    [BindProperty]
    public string? Code { get; set; }

    /// <summary>Where to continue once a factor is set up: the authorization request of a client that requires one.</summary>
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? ContinueUrl => Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null;

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Challenge() : Page();

    /// <summary>The enrolment QR code as SVG: an image from this origin, so the page needs no script and the CSP stays as it is.</summary>
    public async Task<IActionResult> OnGetQrAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null || user.TwoFactorEnabled || await users.GetAuthenticatorKeyAsync(user) is not { Length: > 0 } key)
        {
            // Only while enrolling: an enrolled key is never shown again.
            return NotFound();
        }

        var issuer = options.Value.AuthenticatorIssuer;
        var label = Uri.EscapeDataString($"{issuer}:{user.Email ?? user.UserName}");
        var uri = $"otpauth://totp/{label}?secret={key}&issuer={Uri.EscapeDataString(issuer)}&digits=6&period=30";
        using var data = QRCodeGenerator.GenerateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(5);
        Response.Headers.CacheControl = "no-store";
        return File(Encoding.UTF8.GetBytes(svg), "image/svg+xml");
    }

    public async Task<IActionResult> OnPostEnableAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (!user.TwoFactorEnabled)
        {
            var valid = !string.IsNullOrWhiteSpace(Code) && await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, Code);
            if (!valid)
            {
                ModelState.AddModelError(string.Empty, WrongCodeMessage);
                await LoadAsync();
                return Page();
            }

            var codes = await factors.CompleteAuthenticatorEnrolmentAsync(users, user, cancellationToken);
            // The person just showed a code of the new authenticator after their password: this session has two factors.
            await signIn.SignInWithClaimsAsync(user, isPersistent: false,
                [new System.Security.Claims.Claim(Login.SecondFactorSignIn.AmrClaim, "pwd"), new System.Security.Claims.Claim(Login.SecondFactorSignIn.AmrClaim, "otp"), new System.Security.Claims.Claim(Login.SecondFactorSignIn.AmrClaim, "mfa")]);
            await LoadAsync();
            RecoveryCodes = codes;
            return Page();
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostRegenerateCodesAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (user.TwoFactorEnabled)
        {
            RecoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, MfaFactors.RecoveryCodeCount))?.ToList();
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        await factors.RemoveAuthenticatorAsync(users, user, actor: null, cancellationToken);
        await signIn.RefreshSignInAsync(user);
        await LoadAsync();
        return Page();
    }

    private async Task<User?> LoadAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return null;
        }

        AuthenticatorEnabled = user.TwoFactorEnabled;
        if (AuthenticatorEnabled)
        {
            RecoveryCodesLeft = await users.CountRecoveryCodesAsync(user);
            return user;
        }

        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            // The new key changed the security stamp: renew the session, or its next validation would end it.
            await signIn.RefreshSignInAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user);
        }

        SharedKey = string.Join(' ', key!.Chunk(4).Select(chunk => new string(chunk))).ToLowerInvariant();
        return user;
    }
}
