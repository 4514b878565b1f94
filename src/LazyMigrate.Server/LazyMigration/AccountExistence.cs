using LazyMigrate.Scripting;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using Microsoft.AspNetCore.Identity;

namespace LazyMigrate.Server.LazyMigration;

/// <summary>Whether an address is taken, in our store or in any legacy system still being migrated.</summary>
public enum Existence
{
    Free,
    Local,

    /// <summary>A legacy system knows the address, or a user with it was deleted here without re-import allowed.</summary>
    Legacy,

    /// <summary>A legacy system could not answer: callers must refuse, or a legacy user's address could be squatted.</summary>
    Unknown,
}

/// <summary>
/// The check every path that creates a user or changes an email runs: our store first, then the legacy directory.
/// Nobody can take an address a legacy user still owns.
/// </summary>
public sealed class AccountExistence(UserManager<User> users, LegacyDirectory directory)
{
    public async Task<Existence> CheckAsync(string email, ScriptContext context, CancellationToken cancellationToken)
    {
        if (await users.FindByEmailAsync(email) is not null)
        {
            return Existence.Local;
        }

        return await directory.CheckAddressAsync(email, context, cancellationToken) switch
        {
            LegacyAddress.Free => Existence.Free,
            LegacyAddress.Taken => Existence.Legacy,
            _ => Existence.Unknown,
        };
    }
}
