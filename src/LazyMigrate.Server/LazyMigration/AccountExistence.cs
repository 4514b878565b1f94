using LazyMigrate.Scripting;
using LazyMigrate.Server.LegacyConnections;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.LazyMigration;

/// <summary>Whether an address is taken, in our store or in any legacy system still being migrated.</summary>
public enum Existence
{
    Free,
    Local,
    Legacy,

    /// <summary>A legacy system could not answer: callers must refuse, or a legacy user's address could be squatted.</summary>
    Unknown,
}

/// <summary>
/// The check every path that creates a user or changes an email runs: our store first, then the getUser script of
/// each Importing connection in order. Nobody can take an address a legacy user still owns.
/// </summary>
public sealed class AccountExistence(UserManager<User> users, LegacyConnectionCatalog connections, ILegacyUserScripts scripts, ILogger<AccountExistence> logger)
{
    public async Task<Existence> CheckAsync(string email, ScriptContext context, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(email) is not null)
        {
            return Existence.Local;
        }

        foreach (var connection in await connections.ImportingAsync(cancellationToken))
        {
            if (string.IsNullOrWhiteSpace(connection.GetUserScript))
            {
                // Without getUser nothing can be checked: treat the connection as unable to answer rather than as "free".
                logger.LogWarning("Connection {Connection} has no getUser script; refusing to create {Kind}", connection.Name, "an account");
                return Existence.Unknown;
            }

            var result = await scripts.GetUserAsync(connection, email, context, cancellationToken);
            switch (result.Outcome)
            {
                case ScriptOutcome.Found:
                    return Existence.Legacy;
                case ScriptOutcome.UnknownUser:
                    continue;
                case ScriptOutcome.Failed failed:
                    logger.LogWarning("getUser script of connection {Connection} failed: {Reason}: {Message} ({Duration} ms)",
                        connection.Name, failed.Reason, failed.Message, (int)result.Duration.TotalMilliseconds);
                    return Existence.Unknown;
                default:
                    logger.LogWarning("getUser script of connection {Connection} answered {Outcome}", connection.Name, result.Outcome.GetType().Name);
                    return Existence.Unknown;
            }
        }

        return Existence.Free;
    }
}
