using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Console;

public static class ConsoleExtensions
{
    /// <summary>The authorization policy of every page under /console: a signed-in user with the admin role.</summary>
    public const string AdminPolicy = "Admin";

    private const string PathPrefix = "/console";

    /// <summary>The admin console: Razor Pages under Pages/Console, for the admin role, over the management services.</summary>
    public static IServiceCollection AddConsole(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy
            .AddAuthenticationSchemes(IdentityConstants.ApplicationScheme)
            .RequireAuthenticatedUser()
            .RequireRole(Role.Admin));
        services.Configure<RazorPagesOptions>(options => options.Conventions.AuthorizeFolder("/Console", AdminPolicy));

        services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, options =>
        {
            // A signed-in user without the admin role gets a plain 403: sending them to the login page would suggest
            // that another account is the way in, and loops for a user who signs in again with the same one.
            var redirect = options.Events.OnRedirectToAccessDenied;
            options.Events.OnRedirectToAccessDenied = context =>
            {
                if (context.Request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                }

                return redirect(context);
            };
        });
        return services;
    }
}
