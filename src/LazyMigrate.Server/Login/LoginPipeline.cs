using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.Login;

/// <summary>How a login attempt ended. The login page maps each to what the person sees.</summary>
public abstract record LoginResult
{
    private LoginResult()
    {
    }

    public sealed record SignedIn(User User) : LoginResult;

    /// <summary>Unknown user or wrong password: deliberately one outcome, so the page cannot tell them apart.</summary>
    public sealed record InvalidCredentials : LoginResult;

    /// <summary>Too many failures on this account; shown like <see cref="InvalidCredentials"/> so it does not confirm the account exists.</summary>
    public sealed record LockedOut : LoginResult;

    /// <summary>We could not decide (e.g. a legacy system is down): "try again later", never "wrong password".</summary>
    public sealed record Unavailable : LoginResult;
}

/// <summary>
/// The one sign-in path of the login page: find the user in our store, verify the native hash (upgrading it when weaker
/// than the current policy), record the login and issue the session cookie. The legacy fallback of lazy migration
/// plugs in where the local store has no such user.
/// </summary>
public sealed class LoginPipeline(
    UserManager<User> users,
    SignInManager<User> signIn,
    IPasswordHasher<User> hasher,
    TimeProvider time,
    ILogger<LoginPipeline> logger)
{
    // A hash at the configured cost, verified for unknown users so they take as long as known ones (no user
    // enumeration by timing). Computed once per process; a benign race may compute it twice.
    private static string? _unknownUserHash;

    public async Task<LoginResult> SignInAsync(string identifier, string password, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var user = await FindLocalUserAsync(identifier.Trim());
        if (user is null)
        {
            _unknownUserHash ??= hasher.HashPassword(new User(), Guid.NewGuid().ToString());
            hasher.VerifyHashedPassword(new User(), _unknownUserHash, password);
            logger.LogInformation("Login failed: no local user for the identifier");
            return new LoginResult.InvalidCredentials();
        }

        // Verifies the hash, counts failures towards lockout and rewrites a weaker hash on success.
        var check = await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true);
        if (check.IsLockedOut)
        {
            logger.LogWarning("Login refused: user {UserId} is locked out", user.Id);
            return new LoginResult.LockedOut();
        }

        if (!check.Succeeded)
        {
            logger.LogInformation("Login failed: wrong password for user {UserId}", user.Id);
            return new LoginResult.InvalidCredentials();
        }

        user.LastLoginAt = time.GetUtcNow();
        await users.UpdateAsync(user);
        await signIn.SignInAsync(user, isPersistent: false, authenticationMethod: "pwd");
        logger.LogInformation("User {UserId} signed in", user.Id);
        return new LoginResult.SignedIn(user);
    }

    /// <summary>Username first, then email: both are accepted in the one login field.</summary>
    private async Task<User?> FindLocalUserAsync(string identifier) =>
        identifier.Length == 0 ? null : await users.FindByNameAsync(identifier) ?? await users.FindByEmailAsync(identifier);
}
