using LazyMigrate.Server.LegacyConnections;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using static LazyMigrate.Server.Management.ManagementScopes;

namespace LazyMigrate.Server.Management;

/// <summary>/api/v1/connections: legacy connections, their lifecycle and their versioned scripts.</summary>
public static class ConnectionsApi
{
    public static RouteGroupBuilder MapConnectionsApi(this RouteGroupBuilder api)
    {
        var connections = api.MapGroup("/connections").WithTags("Connections");
        connections.MapGet("/", ListConnections).RequireScope(ReadConnections).WithName("ListConnections")
            .WithSummary("List legacy connections")
            .WithDescription("Every legacy connection in the order sign-ins ask them, with state and settings; secrets only as set or not.");
        connections.MapGet("/{name}", GetConnection).RequireScope(ReadConnections).WithName("GetConnection")
            .WithSummary("Get a legacy connection")
            .WithDescription("A connection with its ETag. Secrets are never returned, only whether they are set.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithETag();
        connections.MapPost("/", CreateConnection).RequireScope(UpdateConnections).WithName("CreateConnection")
            .WithSummary("Create a legacy connection")
            .WithDescription("New connections start Disconnected: save a login script (and try it) before switching to Importing. " +
                "409 when the name is taken.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithETag();
        connections.MapPatch("/{name}", UpdateConnection).RequireScope(UpdateConnections).WithName("UpdateConnection")
            .WithSummary("Change a legacy connection")
            .WithDescription("Settings, secrets, limits, order or state; If-Match is required (428 without it, 412 when stale). " +
                "Moving to Disconnected needs confirmDisconnect: true; without it the answer is 409 with neverMigrated, the legacy " +
                "users who would be left behind.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithETag();

        var scripts = connections.MapGroup("/{name}/scripts/{function}").WithTags("Scripts");
        scripts.MapGet("/", GetScript).RequireScope(ReadConnections).WithName("GetScript")
            .WithSummary("Get a script")
            .WithDescription("The current version of a connection's script (login, getUser, countUsers or listUsers), with its ETag.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithETag();
        scripts.MapPut("/", SaveScript).RequireScope(UpdateConnections).WithName("SaveScript")
            .WithSummary("Save a script")
            .WithDescription("Adds a numbered version (saving the current content again changes nothing). If-Match is required once a " +
                "version exists (428 without it, 412 when stale). A script that does not parse is refused with its line and column.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithETag();
        scripts.MapGet("/versions", ListScriptVersions).RequireScope(ReadConnections).WithName("ListScriptVersions")
            .WithSummary("List a script's versions")
            .WithDescription("Every saved version of the script, with who saved it and when.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        scripts.MapGet("/versions/{version:int}", GetScriptVersion).RequireScope(ReadConnections).WithName("GetScriptVersion")
            .WithSummary("Get a script version")
            .WithDescription("One saved version of the script, by number.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        scripts.MapPost("/versions/{version:int}/rollback", RollbackScript).RequireScope(UpdateConnections).WithName("RollbackScript")
            .WithSummary("Roll a script back")
            .WithDescription("Makes an earlier version current again, as a new version; If-Match is honoured when sent (412 when stale).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithETag();
        scripts.MapPost("/try", TryScript).RequireScope(UpdateConnections).RequireRateLimiting(ScriptTrials.RateLimitPolicy).WithName("TryScript")
            .WithSummary("Try a script")
            .WithDescription("A dry run of the saved script, or of content when given: the outcome, the profile found, the script's log " +
                "lines and its duration. Nothing is imported; the try is audited. 20 tries a minute per client (429 beyond).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return api;
    }

    public static async Task<Ok<IReadOnlyList<ConnectionView>>> ListConnections(ConnectionAdministration connections, CancellationToken cancellationToken) =>
        TypedResults.Ok(await connections.ListAsync(cancellationToken));

    /// <summary>A connection with its ETag. Secrets are never returned, only whether they are set.</summary>
    public static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> GetConnection(
        string name, HttpContext http, ConnectionAdministration connections, CancellationToken cancellationToken)
    {
        if (await connections.GetAsync(name, cancellationToken) is not { } connection)
        {
            return ApiProblems.NotFound("The connection");
        }

        http.Response.Headers.ETag = connection.ETag;
        return TypedResults.Ok(connection);
    }

    public static async Task<Results<Created<ConnectionView>, ValidationProblem, ProblemHttpResult>> CreateConnection(
        ConnectionChange body, HttpContext http, ConnectionAdministration connections, CancellationToken cancellationToken) =>
        await connections.CreateAsync(body, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ConnectionResult.Done<ConnectionView> done => Created(http, done.Value),
            ConnectionResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            var other => Problem(http, other),
        };

    /// <summary>
    /// Changes settings, limits, order or state (If-Match required). Moving to Disconnected needs
    /// <c>confirmDisconnect: true</c>; without it the answer is 409 with how many legacy users never migrated.
    /// </summary>
    public static async Task<Results<Ok<ConnectionView>, ValidationProblem, ProblemHttpResult>> UpdateConnection(
        string name, ConnectionChange body, HttpContext http, ConnectionAdministration connections, CancellationToken cancellationToken,
        [FromHeader(Name = "If-Match")] string? ifMatch = null)
    {
        if (ifMatch is null)
        {
            return ApiProblems.PreconditionRequired();
        }

        return await connections.UpdateAsync(name, body, ifMatch, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ConnectionResult.Done<ConnectionView> done => Ok(http, done.Value),
            ConnectionResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            var other => Problem(http, other),
        };
    }

    /// <summary>The current version of a script (login, getUser or countUsers), with its ETag.</summary>
    public static async Task<Results<Ok<ScriptView>, ProblemHttpResult>> GetScript(
        string name, string function, HttpContext http, ScriptVersions scripts, CancellationToken cancellationToken) =>
        await GetVersion(name, function, null, http, scripts, cancellationToken);

    public static async Task<Results<Ok<ScriptView>, ProblemHttpResult>> GetScriptVersion(
        string name, string function, int version, HttpContext http, ScriptVersions scripts, CancellationToken cancellationToken) =>
        await GetVersion(name, function, version, http, scripts, cancellationToken);

    public static async Task<Results<Ok<IReadOnlyList<ScriptVersionSummary>>, ProblemHttpResult>> ListScriptVersions(
        string name, string function, ScriptVersions scripts, CancellationToken cancellationToken)
    {
        if (ScriptFunctionNames.Parse(function) is not { } parsed)
        {
            return UnknownFunction(function);
        }

        return await scripts.ListVersionsAsync(name, parsed, cancellationToken) is { } versions
            ? TypedResults.Ok(versions)
            : ApiProblems.NotFound("The connection");
    }

    /// <summary>
    /// Saves a new version (If-Match required once a version exists). A script that does not parse is refused with
    /// the line and column of the error; a stale If-Match gets 412.
    /// </summary>
    public static async Task<Results<Ok<ScriptView>, ValidationProblem, ProblemHttpResult>> SaveScript(
        string name, string function, ScriptBody body, HttpContext http, ScriptVersions scripts, CancellationToken cancellationToken,
        [FromHeader(Name = "If-Match")] string? ifMatch = null)
    {
        if (ScriptFunctionNames.Parse(function) is not { } parsed)
        {
            return UnknownFunction(function);
        }

        var result = await scripts.SaveScriptAsync(name, parsed, body.Content, ifMatch, ApiProblems.Actor(http.User), cancellationToken);
        return result switch
        {
            ConnectionResult.Done<ScriptView> done => Ok(http, done.Value),
            ConnectionResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            ConnectionResult.Stale when ifMatch is null => ApiProblems.PreconditionRequired(),
            var other => Problem(http, other),
        };
    }

    /// <summary>Makes an earlier version current again, as a new version; If-Match is honoured when sent.</summary>
    public static async Task<Results<Ok<ScriptView>, ValidationProblem, ProblemHttpResult>> RollbackScript(
        string name, string function, int version, HttpContext http, ScriptVersions scripts, CancellationToken cancellationToken,
        [FromHeader(Name = "If-Match")] string? ifMatch = null)
    {
        if (ScriptFunctionNames.Parse(function) is not { } parsed)
        {
            return UnknownFunction(function);
        }

        return await scripts.RollbackAsync(name, parsed, version, ifMatch, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ConnectionResult.Done<ScriptView> done => Ok(http, done.Value),
            ConnectionResult.NotFound => ApiProblems.NotFound("The connection or script version"),
            var other => Problem(http, other),
        };
    }

    /// <summary>
    /// A dry run of the saved script, or of <c>content</c> when given: the outcome, the profile found, the script's log
    /// lines and its duration. Nothing is imported. Limited per client (429 beyond it).
    /// </summary>
    public static async Task<Results<Ok<ScriptTrial>, ValidationProblem, ProblemHttpResult>> TryScript(
        string name, string function, ScriptTry body, HttpContext http, ScriptTrials trials, CancellationToken cancellationToken)
    {
        if (ScriptFunctionNames.Parse(function) is not { } parsed)
        {
            return UnknownFunction(function);
        }

        return await trials.TryAsync(name, parsed, body.Content, body.Email, body.Password, body.Cursor, ApiProblems.Actor(http.User), cancellationToken) switch
        {
            ConnectionResult.Done<ScriptTrial> done => TypedResults.Ok(done.Value),
            ConnectionResult.Invalid invalid => ApiProblems.Invalid(invalid.Errors),
            var other => Problem(http, other),
        };
    }

    private static async Task<Results<Ok<ScriptView>, ProblemHttpResult>> GetVersion(
        string name, string function, int? version, HttpContext http, ScriptVersions scripts, CancellationToken cancellationToken)
    {
        if (ScriptFunctionNames.Parse(function) is not { } parsed)
        {
            return UnknownFunction(function);
        }

        if (await scripts.GetScriptAsync(name, parsed, version, cancellationToken) is not { } script)
        {
            return ApiProblems.NotFound(version is null ? "The connection or its script" : "The connection or script version");
        }

        if (version is null)
        {
            http.Response.Headers.ETag = script.ETag;
        }

        return TypedResults.Ok(script);
    }

    private static Ok<T> Ok<T>(HttpContext http, T value)
    {
        http.Response.Headers.ETag = value switch
        {
            ConnectionView connection => connection.ETag,
            ScriptView script => script.ETag,
            _ => default,
        };
        return TypedResults.Ok(value);
    }

    private static Created<ConnectionView> Created(HttpContext http, ConnectionView connection)
    {
        http.Response.Headers.ETag = connection.ETag;
        return TypedResults.Created($"/api/v1/connections/{connection.Name}", connection);
    }

    private static ProblemHttpResult UnknownFunction(string function) =>
        ApiProblems.NotFound($"The script '{function}' (scripts are login, getUser, countUsers and listUsers)");

    private static ProblemHttpResult Problem(HttpContext http, ConnectionResult result) => result switch
    {
        ConnectionResult.NotFound => ApiProblems.NotFound("The connection"),
        ConnectionResult.Stale stale => ApiProblems.Stale(http, stale.CurrentETag),
        ConnectionResult.Conflict conflict => ApiProblems.Conflict(conflict.Detail),
        ConnectionResult.ConfirmationRequired confirm => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Confirmation required",
            detail: (confirm.NeverMigrated is { } n
                ? $"{n} legacy users of this connection never migrated and will no longer be able to sign in. "
                : "This connection has no countUsers script, so how many legacy users never migrated is unknown. ") +
                "Send confirmDisconnect: true to disconnect anyway.",
            extensions: new Dictionary<string, object?> { ["neverMigrated"] = confirm.NeverMigrated }),
        _ => throw new InvalidOperationException("Unexpected result."),
    };
}

public sealed record ScriptBody(string? Content);

/// <summary>
/// What to try: <paramref name="Content"/> runs an unsaved draft instead of the saved version; <paramref name="Cursor"/>
/// is the page listUsers starts after (none: the first page).
/// </summary>
public sealed record ScriptTry(string? Email, string? Password, string? Content, string? Cursor = null);
