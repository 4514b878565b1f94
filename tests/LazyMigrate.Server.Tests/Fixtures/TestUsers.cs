using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>A user a test created for itself, with the password it chose.</summary>
public sealed record TestUser(Guid Id, string UserName, string Email, string Password);

public static class TestUsers
{
    public const string AdminEmail = "admin@tests.example";
    public const string AdminPassword = "admin password for tests";

    /// <summary>Creates a native user with a unique email through Identity, as registration will.</summary>
    public static async Task<TestUser> CreateUserAsync(this IServiceProvider services, string? password = null, Action<User>? configure = null)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var email = $"user-{Guid.NewGuid():N}@tests.example";
        var user = new User
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            Name = "Ada Lovelace",
            GivenName = "Ada",
            FamilyName = "Lovelace",
            PhoneNumber = "+44 20 7946 0000",
            CreatedAt = DateTimeOffset.UtcNow,
        };
        configure?.Invoke(user);
        password ??= "correct horse battery staple";
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }

        return new TestUser(user.Id, user.UserName!, email, password);
    }
}
