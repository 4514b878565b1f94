using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Account;

/// <summary>
/// Creates the admin role and, when configured, the bootstrap administrator if missing. An existing administrator is
/// never changed, so a password changed later is not reset to the configured one on restart.
/// </summary>
public sealed class BootstrapAdmin(UserManager<User> users, RoleManager<Role> roles, IOptions<AccountOptions> options,
    TimeProvider time, ILogger<BootstrapAdmin> logger) : IDatabaseSeeder
{
    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        if (!await roles.RoleExistsAsync(Role.Admin))
        {
            Check(await roles.CreateAsync(new Role { Name = Role.Admin }), "LazyMigrate:Admin");
        }

        var admin = options.Value.Admin;
        if (string.IsNullOrWhiteSpace(admin.Email) || admin.Password is null || await users.FindByEmailAsync(admin.Email) is not null)
        {
            return;
        }

        var user = new User { UserName = admin.Email, Email = admin.Email, EmailConfirmed = true, CreatedAt = time.GetUtcNow() };
        Check(await users.CreateAsync(user, admin.Password), "LazyMigrate:Admin:Password");
        Check(await users.AddToRoleAsync(user, Role.Admin), "LazyMigrate:Admin");
        logger.LogInformation("Created the bootstrap administrator {Email}", admin.Email);
    }

    private static void Check(IdentityResult result, string setting)
    {
        if (!result.Succeeded)
        {
            // Identity's error descriptions never contain the password itself.
            throw new InvalidOperationException($"{setting}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}
