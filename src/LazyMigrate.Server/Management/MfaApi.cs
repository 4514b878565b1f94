using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using static LazyMigrate.Server.Management.ManagementScopes;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/users/{id}/mfa: a user's second factors (kind, created, last used; never a secret), and removing one.</summary>
public static class MfaApi
{
    public static RouteGroupBuilder MapMfaApi(this RouteGroupBuilder api)
    {
        var mfa = api.MapGroup("/users/{id:guid}/mfa").WithTags("Users");
        mfa.MapGet("/", ListFactors).RequireScope(ReadUsers).WithName("ListMfaFactors")
            .WithSummary("List a user's second factors")
            .WithDescription("Whether a second factor is on, how many recovery codes are left, and each factor: kind (authenticator, passkey, phone, email), origin, created and last used, and a passkey's name. Never a secret, a passkey's credential id or its public key.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        mfa.MapDelete("/{factor}", RemoveFactor).RequireScope(UpdateUsers).WithName("RemoveMfaFactor")
            .WithSummary("Remove a user's second factor")
            .WithDescription("Removes the factor with this id (a passkey's id as listed), or of this kind (authenticator, phone, email); audited as MfaRemoved.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static async Task<Results<Ok<MfaFactorsResponse>, ProblemHttpResult>> ListFactors(
        Guid id, UserManager<User> users, MfaFactors factors, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null)
        {
            return ApiProblems.NotFound("The user");
        }

        var list = await factors.ListViewsAsync(id, cancellationToken);
        return TypedResults.Ok(new MfaFactorsResponse(user.TwoFactorEnabled, await users.CountRecoveryCodesAsync(user), list));
    }

    /// <summary>Removes the factor with this id (a passkey's as listed), or of this kind (<c>authenticator</c>, <c>phone</c>, <c>email</c>); audited.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveFactor(
        Guid id, string factor, HttpContext http, UserManager<User> users, MfaFactors factors, CancellationToken cancellationToken) =>
        await factors.RemoveAsync(users, id, factor, ApiProblems.Actor(http.User), cancellationToken)
            ? TypedResults.NoContent()
            : ApiProblems.NotFound("The factor");
}

/// <summary><paramref name="TwoFactorEnabled"/>: sign-in asks for a second factor; <paramref name="RecoveryCodesLeft"/>: unused recovery codes.</summary>
public sealed record MfaFactorsResponse(bool TwoFactorEnabled, int RecoveryCodesLeft, IReadOnlyList<MfaFactorView> Factors);
