using LazyMigrate.Scripting;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace LazyMigrate.Server.Identities;

/// <summary>What the legacy systems said to a sign-in our store could not answer.</summary>
public abstract record LegacySignIn
{
    private LegacySignIn()
    {
    }

    /// <summary>A connection accepted the password and the user was imported just now.</summary>
    public sealed record Imported(User User, string Connection) : LegacySignIn;

    /// <summary>The legacy identity (or the address) turned out to be a user here already: check the native password.</summary>
    public sealed record Existing(User User) : LegacySignIn;

    /// <summary>No connection accepted the password (unknown everywhere, wrong password, or refused by a rule).</summary>
    public sealed record NotAccepted : LegacySignIn;

    /// <summary>A legacy system could not answer and none accepted: "try again later", never "wrong password".</summary>
    public sealed record Unavailable : LegacySignIn;
}

/// <summary>Whether an address belongs to someone in the legacy systems, for the paths that create a user or change an email.</summary>
public enum LegacyAddress
{
    Free,

    /// <summary>A legacy system knows the address, or a user with it was deleted here (the address stays theirs).</summary>
    Taken,

    /// <summary>A legacy system could not answer: callers must refuse, or a legacy user's address could be squatted.</summary>
    Unknown,
}

/// <summary>The legacy account a reset link may be sent for.</summary>
public abstract record LegacyResetTarget
{
    private LegacyResetTarget()
    {
    }

    public sealed record Found(string Connection, LegacyProfile Profile) : LegacyResetTarget;

    public sealed record NotFound : LegacyResetTarget;

    /// <summary>A legacy system could not answer: ask again later, never conclude "no account".</summary>
    public sealed record Unavailable : LegacyResetTarget;
}

public sealed record LegacyCount(string Connection, long? Users);

/// <summary>
/// The one door to the legacy systems: every flow (login, registration, user creation and email change, password
/// reset, statistics, identity linking) asks here, so connection order, state, tombstones and the failure policy
/// are decided once. The policy: a legacy system that cannot answer never means "no such user"; creating paths
/// refuse, login says "try again later", a reset is retried.
/// </summary>
public sealed class LegacyDirectory(
    LegacyConnectionCatalog connections,
    ILegacyUserScripts scripts,
    UserImporter importer,
    LazyMigrateDbContext db,
    ILookupNormalizer normalizer,
    AuditTrail audit,
    IdentityLinking linking,
    IMemoryCache cache,
    TimeProvider time,
    ILogger<LegacyDirectory> logger)
{
    /// <summary>
    /// How long a legacy count is reused. countUsers may scan a table of millions in the legacy system; the dashboard and
    /// the stats API must not run it on every load, and the remaining figure moves slowly anyway.
    /// </summary>
    private static readonly TimeSpan CountFor = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Lazy migration. The Importing connections are asked in order; the first that accepts the password imports the
    /// user. A wrong password at one connection does not end the attempt (the person may have used another product's
    /// password, and Auth0-style scripts answer "wrong password" for unknown users too).
    /// </summary>
    public async Task<LegacySignIn> SignInAsync(string identifier, string password, ScriptContext context, CancellationToken cancellationToken)
    {
        if (identifier.Length == 0)
        {
            return new LegacySignIn.NotAccepted();
        }

        if (await IsAddressDeletedAsync(identifier, cancellationToken))
        {
            // A deleted user stays deleted: no legacy system is even asked.
            logger.LogInformation("Login refused: the identifier belongs to a deleted user");
            return new LegacySignIn.NotAccepted();
        }

        // The connections asked before the current one, and whether they answered "wrong password" (else "unknown").
        var earlier = new List<(ImportingConnection Connection, bool Refused)>();
        var undecided = false;
        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            var result = await scripts.LoginAsync(connection.Definition, identifier, password, context, cancellationToken);
            switch (result.Outcome)
            {
                case ScriptOutcome.UnknownUser:
                    earlier.Add((connection, false));
                    continue;
                case ScriptOutcome.WrongPassword:
                    logger.LogInformation("Login: connection {Connection} did not accept the password ({Duration} ms)", connection.Name, Ms(result));
                    earlier.Add((connection, true));
                    continue;
                case ScriptOutcome.Found { Profile: var profile }:
                    // Account-takeover guard: someone who registered another person's address in a second product, without
                    // proving it, must not become that person here. Only the first connection that knows the address, a
                    // verified address, or a connection trusted for its emails may sign someone in.
                    if (profile.Email is not null && !profile.EmailVerified && !connection.TrustEmails)
                    {
                        var known = undecided ? Knowledge.Undecided : await EarlierKnowsAsync(earlier, identifier, profile.Email, context, cancellationToken);
                        if (known != Knowledge.No)
                        {
                            logger.LogWarning(
                                "Login refused at connection {Connection}: the address is unverified there and an earlier connection {Knows}",
                                connection.Name, known == Knowledge.Yes ? "knows it" : "could not say whether it knows it");
                            undecided |= known == Knowledge.Undecided;
                            earlier.Add((connection, true));
                            continue;
                        }
                    }

                    return await ImportAsync(connection, profile, password, result, cancellationToken);
                case ScriptOutcome.Failed failed:
                    await RecordFailureAsync(connection, "login", failed, result, cancellationToken);
                    undecided = true;
                    continue;
                default:
                    logger.LogWarning("Login script of connection {Connection} answered {Outcome}, which login does not expect", connection.Name, result.Outcome.GetType().Name);
                    undecided = true;
                    continue;
            }
        }

        return undecided ? new LegacySignIn.Unavailable() : new LegacySignIn.NotAccepted();
    }

    /// <summary>Registration, user creation and email change: may this address be given to a new account?</summary>
    public async Task<LegacyAddress> CheckAddressAsync(string email, ScriptContext context, CancellationToken cancellationToken)
    {
        if (await IsAddressDeletedAsync(email, cancellationToken))
        {
            logger.LogInformation("The address belongs to a deleted user: it is not given to a new account");
            return LegacyAddress.Taken;
        }

        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            if (!connection.HasGetUser)
            {
                // Without getUser nothing can be checked: the connection cannot answer, which is not "free".
                logger.LogWarning("Connection {Connection} has no getUser script; refusing to give out an address it may own", connection.Name);
                return LegacyAddress.Unknown;
            }

            switch (await GetUserAsync(connection, email, context, cancellationToken))
            {
                case GetUserAnswer.Known:
                    return LegacyAddress.Taken;
                case GetUserAnswer.CannotSay:
                    return LegacyAddress.Unknown;
            }
        }

        return LegacyAddress.Free;
    }

    /// <summary>
    /// A reset for an address our store does not have: the first connection (in order) whose getUser knows it owns the
    /// account. A connection that cannot answer ends the search as Unavailable, because it may be that owner.
    /// </summary>
    public async Task<LegacyResetTarget> FindForResetAsync(string email, ScriptContext context, CancellationToken cancellationToken)
    {
        if (await IsAddressDeletedAsync(email, cancellationToken))
        {
            return new LegacyResetTarget.NotFound();
        }

        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            if (!connection.HasGetUser)
            {
                // Such a connection can never answer; waiting for it would only delay the others' users forever.
                logger.LogWarning("Connection {Connection} has no getUser script: its users who never signed in cannot reset a password", connection.Name);
                continue;
            }

            switch (await GetUserAsync(connection, email, context, cancellationToken))
            {
                case GetUserAnswer.CannotSay:
                    return new LegacyResetTarget.Unavailable();
                case GetUserAnswer.Known { Profile.Email: null }:
                    logger.LogWarning("getUser of connection {Connection} found the user but returned no email: no reset link can be sent", connection.Name);
                    return new LegacyResetTarget.NotFound();
                case GetUserAnswer.Known { Profile: var profile }:
                    return await importer.IsDeletedAsync(connection.Name, profile.Id, normalizer.NormalizeEmail(profile.Email), cancellationToken)
                        ? new LegacyResetTarget.NotFound()
                        : new LegacyResetTarget.Found(connection.Name, profile);
            }
        }

        return new LegacyResetTarget.NotFound();
    }

    /// <summary>How many users each Importing connection's countUsers script reports (null where it has none or failed).</summary>
    public async Task<IReadOnlyList<LegacyCount>> CountUsersAsync(CancellationToken cancellationToken)
    {
        var counts = new List<LegacyCount>();
        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            counts.Add(new LegacyCount(connection.Name, await CountAsync(connection.Definition, cancellationToken)));
        }

        return counts;
    }

    private async Task<long?> CountAsync(LegacyConnection connection, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(connection.CountUsersScript))
        {
            return null;
        }

        // Keyed by the script too, so a new countUsers version counts afresh.
        var key = (nameof(CountAsync), connection.Name, connection.CountUsersScript);
        if (cache.TryGetValue(key, out long cached))
        {
            return cached;
        }

        var result = await scripts.CountUsersAsync(connection, new ScriptContext(), cancellationToken);
        if (result.Outcome is not ScriptOutcome.Counted counted)
        {
            // A failed count is not remembered: the next load asks again.
            logger.LogWarning("countUsers script of connection {Connection} answered {Outcome}", connection.Name, result.Outcome.GetType().Name);
            return null;
        }

        cache.Set(key, counted.Users, CountFor);
        return counted.Users;
    }

    /// <summary>
    /// Links every other Importing connection that knows the user's address as a further identity. Returns false when a
    /// legacy system could not answer, so the caller tries again later; identities found are kept either way.
    /// </summary>
    public async Task<bool> LinkIdentitiesAsync(Guid userId, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().Include(u => u.Identities).SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user?.Email is null)
        {
            return true;
        }

        var complete = true;
        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            if (!connection.HasGetUser || user.Identities.Any(i => i.Connection == connection.Name))
            {
                continue;
            }

            switch (await GetUserAsync(connection, user.Email, new ScriptContext(), cancellationToken))
            {
                case GetUserAnswer.Known { Profile: var profile } when normalizer.NormalizeEmail(profile.Email) == user.NormalizedEmail:
                    await LinkAsync(user, connection.Name, profile, cancellationToken);
                    break;
                case GetUserAnswer.CannotSay:
                    complete = false;
                    break;
            }
        }

        return complete;
    }

    private async Task LinkAsync(User user, string connection, LegacyProfile profile, CancellationToken cancellationToken)
    {
        if (await importer.IsDeletedAsync(connection, profile.Id, null, cancellationToken))
        {
            logger.LogInformation("Legacy user {LegacyId} of connection {Connection} was deleted here: not linked to user {UserId}", profile.Id, connection, user.Id);
            return;
        }

        db.UserIdentities.Add(UserImporter.Identity(user.Id, connection, profile, IdentityOrigin.Linked, time.GetUtcNow()));
        db.AuditEvents.Add(audit.Create(AuditEventType.IdentityLinked, user.Id, connection));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Linked legacy user {LegacyId} of connection {Connection} to user {UserId}", profile.Id, connection, user.Id);
        }
        catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Linked already (another node), or that legacy account is another user's: either way it stays where it is.
            db.ChangeTracker.Clear();
            logger.LogInformation("Legacy user {LegacyId} of connection {Connection} already belongs to a user", profile.Id, connection);
        }
    }

    private async Task<LegacySignIn> ImportAsync(ImportingConnection connection, LegacyProfile profile, string password, ScriptResult result, CancellationToken cancellationToken)
    {
        switch (await importer.ImportAsync(connection.Name, profile, password, reason: null, result.Duration, cancellationToken))
        {
            case ImportResult.Created created:
                linking.Wake();
                logger.LogInformation("User {UserId} migrated from {Connection} ({Duration} ms)", created.User.Id, connection.Name, Ms(result));
                return new LegacySignIn.Imported(created.User, connection.Name);
            case ImportResult.Existing existing:
                return new LegacySignIn.Existing(existing.User);
            default:
                return new LegacySignIn.NotAccepted();
        }
    }

    private enum Knowledge
    {
        No,
        Yes,
        Undecided,
    }

    /// <summary>
    /// Whether a connection asked before (none accepted the password) knows <paramref name="email"/>. Their login
    /// answers do not settle it: a "wrong password" may mean "unknown user" in Auth0-style scripts, and the person may
    /// have typed a username. So getUser decides where there is one; without it, assume the connection knows it.
    /// </summary>
    private async Task<Knowledge> EarlierKnowsAsync(List<(ImportingConnection Connection, bool Refused)> earlier, string identifier, string email,
        ScriptContext context, CancellationToken cancellationToken)
    {
        var typedTheAddress = normalizer.NormalizeEmail(identifier) == normalizer.NormalizeEmail(email);
        var answer = Knowledge.No;
        foreach (var (connection, refused) in earlier)
        {
            if (!refused && typedTheAddress)
            {
                // Its login script was asked for this very address and does not know it.
                continue;
            }

            if (!connection.HasGetUser)
            {
                return Knowledge.Yes;
            }

            switch (await GetUserAsync(connection, email, context, cancellationToken))
            {
                case GetUserAnswer.Known:
                    return Knowledge.Yes;
                case GetUserAnswer.CannotSay:
                    answer = Knowledge.Undecided;
                    break;
            }
        }

        return answer;
    }

    /// <summary>What one getUser call said, with a failure already logged and audited.</summary>
    private abstract record GetUserAnswer
    {
        public sealed record Known(LegacyProfile Profile) : GetUserAnswer;

        public sealed record Unknown : GetUserAnswer;

        public sealed record CannotSay : GetUserAnswer;
    }

    private async Task<GetUserAnswer> GetUserAsync(ImportingConnection connection, string email, ScriptContext context, CancellationToken cancellationToken)
    {
        var result = await scripts.GetUserAsync(connection.Definition, email, context, cancellationToken);
        switch (result.Outcome)
        {
            case ScriptOutcome.Found { Profile: var profile }:
                return new GetUserAnswer.Known(profile);
            case ScriptOutcome.UnknownUser:
                return new GetUserAnswer.Unknown();
            case ScriptOutcome.Failed failed:
                await RecordFailureAsync(connection, "getUser", failed, result, cancellationToken);
                return new GetUserAnswer.CannotSay();
            default:
                logger.LogWarning("getUser script of connection {Connection} answered {Outcome}", connection.Name, result.Outcome.GetType().Name);
                return new GetUserAnswer.CannotSay();
        }
    }

    private Task<bool> IsAddressDeletedAsync(string identifier, CancellationToken cancellationToken) =>
        importer.IsAddressDeletedAsync(normalizer.NormalizeEmail(identifier), cancellationToken);

    /// <summary>The admin's detail, in the log and the audit trail; the script's message and log are already free of the password.</summary>
    private async Task RecordFailureAsync(ImportingConnection connection, string function, ScriptOutcome.Failed failed, ScriptResult result, CancellationToken cancellationToken)
    {
        logger.LogWarning("{Function} script of connection {Connection} failed: {Reason}: {Message} (line {Line}, {Duration} ms)",
            function, connection.Name, failed.Reason, failed.Message, failed.Line, Ms(result));
        await audit.RecordAsync(AuditEventType.ScriptFailed, connection: connection.Name, reason: failed.Reason.ToString(), duration: result.Duration,
            detail: $"{function}: " + (failed.Line is { } line ? $"{failed.Message} (line {line})" : failed.Message), cancellationToken: cancellationToken);
    }

    private static int Ms(ScriptResult result) => (int)result.Duration.TotalMilliseconds;
}
