using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static LazyMigrate.Server.Management.ManagementScopes;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/users: list and search, read, create, change, block and delete users.</summary>
public static class UsersApi
{
    private static readonly string[] Fields =
    [
        "id", "email", "emailVerified", "userName", "name", "givenName", "familyName", "nickname", "picture", "phoneNumber",
        "blocked", "createdAt", "lastLoginAt", "migratedAt", "connection", "legacyId", "userMetadata", "appMetadata",
    ];

    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder api)
    {
        var users = api.MapGroup("/users").WithTags("Users");
        users.MapGet("/", ListUsers).RequireScope(ReadUsers).WithName("ListUsers")
            .WithSummary("List and search users")
            .WithDescription("A page of users matching the filters, in a unique order (sort, then id). Follow next until it is null to " +
                "visit every match exactly once, even while users are added. total counts every match; q finds a prefix or substring of " +
                "the email, username or name; connection matches a user with any identity at that connection; fields trims each item.");
        users.MapGet("/by-email", GetUserByEmail).RequireScope(ReadUsers).WithName("GetUserByEmail")
            .WithSummary("Find a user by email")
            .WithDescription("The user here with this address (compared normalised); 404 when there is none.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapGet("/{id:guid}", GetUser).RequireScope(ReadUsers).WithName("GetUser")
            .WithSummary("Get a user")
            .WithDescription("Profile, metadata, credential kind, legacy identities, and creation, migration and last sign-in times.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapPost("/", CreateUser).RequireScope(CreateUsers).WithName("CreateUser")
            .WithSummary("Create a user")
            .WithDescription("Creates a native user. 409 when the address belongs to a user here, to a deleted user (tombstone) or to a " +
                "legacy user who has not migrated yet; 503 when a legacy system cannot say whether it knows the address.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPatch("/{id:guid}", UpdateUser).RequireScope(UpdateUsers).WithName("UpdateUser")
            .WithSummary("Change a user")
            .WithDescription("Profile, metadata, email (checked against this store and the legacy systems, like registration) or blocking; " +
                "absent fields stay as they are.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        users.MapDelete("/{id:guid}", DeleteUser).RequireScope(DeleteUsers).WithName("DeleteUser")
            .WithSummary("Delete a user")
            .WithDescription("A migrated user leaves a tombstone for each legacy identity, so no later sign-in, reset or import brings them " +
                "back and the address is not given to a new account, unless allowReimport=true.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        users.MapDelete("/{id:guid}/identities/{connection}/{legacyId}", UnlinkIdentity).RequireScope(UpdateUsers).WithName("UnlinkIdentity")
            .WithSummary("Unlink a legacy identity")
            .WithDescription("Removes a linked legacy identity from the user (audited); that legacy account is nobody's here any more. " +
                "The identity the user was imported from cannot be unlinked (409).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    /// <summary>A page of users; follow <c>next</c> until it is null to visit every match exactly once.</summary>
    public static async Task<Results<Ok<UserListResponse>, ValidationProblem>> ListUsers(
        HttpContext http,
        UserDirectory directory,
        [AsParameters] UserListRequest request,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var sort = request.Sort switch
        {
            null or "createdAt" => UserSort.CreatedAt,
            "-createdAt" => UserSort.CreatedAtDescending,
            "email" => UserSort.Email,
            "-email" => UserSort.EmailDescending,
            _ => (UserSort?)null,
        };
        if (sort is null)
        {
            errors["sort"] = ["One of createdAt, -createdAt, email, -email."];
        }

        if (request.Limit is < 1 or > UserQuery.MaxLimit)
        {
            errors["limit"] = [$"Between 1 and {UserQuery.MaxLimit}."];
        }

        if (!UserDirectory.IsValidCursor(request.Cursor))
        {
            errors["cursor"] = ["Not a cursor from a previous page."];
        }

        if (request.Q is { Length: > 256 })
        {
            errors["q"] = ["At most 256 characters."];
        }

        var fields = request.Fields?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (fields?.FirstOrDefault(f => !Fields.Contains(f)) is { } unknown)
        {
            errors["fields"] = [$"Unknown field '{unknown}'. Fields: {string.Join(", ", Fields)}."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var page = await directory.SearchAsync(new UserQuery
        {
            Q = request.Q,
            Migrated = request.Migrated,
            Connection = request.Connection,
            Blocked = request.Blocked,
            CreatedFrom = request.CreatedFrom,
            CreatedTo = request.CreatedTo,
            MigratedFrom = request.MigratedFrom,
            MigratedTo = request.MigratedTo,
            LastLoginFrom = request.LastLoginFrom,
            LastLoginTo = request.LastLoginTo,
            Sort = sort!.Value,
            Limit = request.Limit ?? 50,
            Cursor = request.Cursor,
        }, cancellationToken);

        var next = page.NextCursor is { } cursor ? ApiProblems.NextLink(http.Request, "cursor", cursor) : null;
        return TypedResults.Ok(new UserListResponse(
            fields is null ? [.. page.Items.Cast<object>()] : [.. page.Items.Select(u => (object)Select(u, fields))], page.Total, next));
    }

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetUser(Guid id, UserDirectory directory, CancellationToken cancellationToken) =>
        await directory.GetAsync(id, cancellationToken) is { } user ? TypedResults.Ok(user) : ApiProblems.NotFound("The user");

    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetUserByEmail([FromQuery] string email, UserDirectory directory, CancellationToken cancellationToken) =>
        await directory.FindByEmailAsync(email, cancellationToken) is { } user ? TypedResults.Ok(user) : ApiProblems.NotFound("A user with this email");

    /// <summary>Creates a native user, refused when the address exists here or in a legacy system still being migrated.</summary>
    public static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> CreateUser(
        UserCreate body, HttpContext http, UserAdministration administration, CancellationToken cancellationToken) =>
        await administration.CreateAsync(body, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            UserChange.Done done => TypedResults.Created($"/api/v1/users/{done.User.Id}", done.User),
            UserChange.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            UserChange.EmailTaken taken => EmailTaken(taken),
            UserChange.LegacyUnavailable => ApiProblems.LegacyUnavailable(),
            _ => throw new InvalidOperationException("Unexpected result."),
        };

    /// <summary>Changes a profile, email (checked like registration), metadata or blocking. Absent fields stay as they are.</summary>
    public static async Task<Results<Ok<UserView>, ValidationProblem, ProblemHttpResult>> UpdateUser(
        Guid id, UserPatch body, HttpContext http, UserAdministration administration, CancellationToken cancellationToken) =>
        await administration.UpdateAsync(id, body, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            UserChange.Done done => TypedResults.Ok(done.User),
            UserChange.NotFound => ApiProblems.NotFound("The user"),
            UserChange.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            UserChange.EmailTaken taken => EmailTaken(taken),
            UserChange.LegacyUnavailable => ApiProblems.LegacyUnavailable(),
            _ => throw new InvalidOperationException("Unexpected result."),
        };

    /// <summary>
    /// Deletes a user. A migrated user leaves a tombstone so the next login does not import them again, unless
    /// <c>allowReimport=true</c>.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteUser(
        Guid id, HttpContext http, UserDeletion deletion, CancellationToken cancellationToken, bool allowReimport = false) =>
        await deletion.DeleteAsync(id, allowReimport, ApiProblems.Actor(http.User), cancellationToken) ? TypedResults.NoContent() : ApiProblems.NotFound("The user");

    /// <summary>
    /// Unlinks a linked legacy identity from a user (audited). The user stays; that legacy account is nobody's here any
    /// more. The identity the user was imported from cannot be unlinked (409).
    /// </summary>
    public static async Task<Results<Ok<UserView>, ProblemHttpResult>> UnlinkIdentity(
        Guid id, string connection, string legacyId, HttpContext http, UserAdministration administration, CancellationToken cancellationToken) =>
        await administration.UnlinkIdentityAsync(id, connection, legacyId, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            UserChange.Done done => TypedResults.Ok(done.User),
            UserChange.Invalid invalid => ApiProblems.Conflict(invalid.Errors.Values.First()[0]),
            _ => ApiProblems.NotFound("The identity"),
        };

    private static ProblemHttpResult EmailTaken(UserChange.EmailTaken taken) => ApiProblems.Conflict(taken.InLegacySystem
        ? "This email address belongs to a user of a legacy system who has not migrated yet."
        : "This email address belongs to another user.");

    private static Dictionary<string, object?> Select(UserView user, string[] fields)
    {
        var all = System.Text.Json.JsonSerializer.SerializeToElement(user, System.Text.Json.JsonSerializerOptions.Web);
        return fields.Distinct().ToDictionary(f => f, f => all.TryGetProperty(f, out var value) ? (object?)value : null);
    }
}

/// <summary>
/// Query string of <c>GET /api/v1/users</c>. Binding ignores case; the names are given so that the OpenAPI document
/// spells them as callers write them (<c>q</c>, <c>limit</c>, not <c>Q</c>, <c>Limit</c>).
/// </summary>
public sealed record UserListRequest(
    [property: FromQuery(Name = "q")] string? Q,
    [property: FromQuery(Name = "migrated")] bool? Migrated,
    [property: FromQuery(Name = "connection")] string? Connection,
    [property: FromQuery(Name = "blocked")] bool? Blocked,
    [property: FromQuery(Name = "createdFrom")] DateTimeOffset? CreatedFrom,
    [property: FromQuery(Name = "createdTo")] DateTimeOffset? CreatedTo,
    [property: FromQuery(Name = "migratedFrom")] DateTimeOffset? MigratedFrom,
    [property: FromQuery(Name = "migratedTo")] DateTimeOffset? MigratedTo,
    [property: FromQuery(Name = "lastLoginFrom")] DateTimeOffset? LastLoginFrom,
    [property: FromQuery(Name = "lastLoginTo")] DateTimeOffset? LastLoginTo,
    [property: FromQuery(Name = "sort")] string? Sort,
    [property: FromQuery(Name = "limit")] int? Limit,
    [property: FromQuery(Name = "cursor")] string? Cursor,
    [property: FromQuery(Name = "fields")] string? Fields);

/// <summary><paramref name="Next"/> is the URL of the next page, null on the last one.</summary>
public sealed record UserListResponse(IReadOnlyList<object> Items, int Total, string? Next);
