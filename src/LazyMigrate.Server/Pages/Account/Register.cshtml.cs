using System.ComponentModel.DataAnnotations;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Account;

public sealed class RegisterModel(
    UserManager<User> users, SignInManager<User> signIn, AccountExistence existence, AccountRateLimits limits, AuditTrail audit, TimeProvider time, ILogger<RegisterModel> logger)
    : PageModel
{
    internal const string ExistsMessage = "An account with this email already exists.";
    internal const string UnavailableMessage = "We can't create your account right now. Please try again in a few minutes.";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public RegisterInput Input { get; set; } = new();

    /// <summary>Set when the address is taken: the page then offers sign-in and password reset instead.</summary>
    public bool AlreadyExists { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var email = EmailAddresses.Normalise(Input.Email!);
        if (email is null)
        {
            ModelState.AddModelError("Input.Email", "Enter a valid email address.");
            return Page();
        }

        var ip = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (!await limits.TryRegisterAsync(email, ip, cancellationToken))
        {
            return StatusCode(StatusCodes.Status429TooManyRequests);
        }

        var context = new ScriptContext { Ip = ip, RequestId = HttpContext.TraceIdentifier };
        var existing = await existence.CheckAsync(email, context, cancellationToken);
        switch (existing)
        {
            case Existence.Local or Existence.Legacy:
                // The hash a new account would cost, spent anyway: "already exists" must not come back faster than "created".
                _ = users.PasswordHasher.HashPassword(new User(), Input.Password!);
                await audit.RecordAsync(AuditEventType.RegistrationRefused, reason: existing == Existence.Legacy ? "LegacyExists" : "LocalExists", cancellationToken: cancellationToken);
                AlreadyExists = true;
                ModelState.AddModelError(string.Empty, ExistsMessage);
                return Page();
            case Existence.Unknown:
                ModelState.AddModelError(string.Empty, UnavailableMessage);
                return Page();
        }

        var user = new User
        {
            UserName = email,
            Email = email,
            Name = string.IsNullOrWhiteSpace(Input.Name) ? null : Input.Name.Trim(),
            CreatedAt = time.GetUtcNow(),
        };
        var created = await users.CreateAsync(user, Input.Password!);
        if (!created.Succeeded)
        {
            // A concurrent registration or import of the same address lost to the unique index, or a weak password.
            foreach (var error in created.Errors)
            {
                AlreadyExists |= error.Code is "DuplicateEmail" or "DuplicateUserName";
                ModelState.AddModelError(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "Input.Password" : string.Empty,
                    AlreadyExists ? ExistsMessage : error.Description);
            }

            return Page();
        }

        logger.LogInformation("User {UserId} registered", user.Id);
        await audit.RecordAsync(AuditEventType.UserRegistered, user.Id, cancellationToken: cancellationToken);
        await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "pwd");
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}

public sealed class RegisterInput
{
    [Required(ErrorMessage = "Enter your email address.")]
    [StringLength(256)]
    [EmailAddress(ErrorMessage = "Enter a valid email address.")]
    public string? Email { get; set; }

    [StringLength(256)]
    public string? Name { get; set; }

    [Required(ErrorMessage = "Choose a password.")]
    [StringLength(PasswordPolicy.MaximumLength, MinimumLength = PasswordPolicy.MinimumLength,
        ErrorMessage = "Passwords must be 8 to 256 characters long.")]
    [DataType(DataType.Password)]
    public string? Password { get; set; }

    [Compare(nameof(Password), ErrorMessage = "The passwords do not match.")]
    [DataType(DataType.Password)]
    public string? ConfirmPassword { get; set; }
}
