using System.Text.Json;
using LazyMigrate.Scripting;
using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Identities;
using LazyMigrate.Server.LazyMigration;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace LazyMigrate.Server.Users;

/// <summary>A new user from an administrator. Without a password the person sets one through "forgot password".</summary>
public sealed record UserCreate(string? Email, string? Password, string? Name, string? GivenName, string? FamilyName,
    string? Nickname, bool EmailVerified, JsonElement? UserMetadata, JsonElement? AppMetadata);

/// <summary>Changes to a user: an absent (null) field stays as it is; an empty string clears a profile field.</summary>
public sealed record UserPatch(string? Email, bool? EmailVerified, string? Name, string? GivenName, string? FamilyName,
    string? Nickname, string? Picture, JsonElement? UserMetadata, JsonElement? AppMetadata, bool? Blocked);

/// <summary>How an administrative change of a user ended.</summary>
public abstract record UserChange
{
    public sealed record Done(UserView User) : UserChange;

    public sealed record NotFound : UserChange;

    /// <summary>Field-level problems (field name → messages).</summary>
    public sealed record Invalid(IDictionary<string, string[]> Errors) : UserChange;

    /// <summary>The address belongs to another user here, or to a legacy user who has not migrated yet.</summary>
    public sealed record EmailTaken(bool InLegacySystem) : UserChange;

    /// <summary>A legacy system could not say whether it knows the address; nothing was changed.</summary>
    public sealed record LegacyUnavailable : UserChange;
}

/// <summary>
/// Creates, changes and blocks users for the management API and the console. Every path that introduces an email
/// address runs the same existence check as registration, so nobody takes the address of a legacy user.
/// </summary>
public sealed class UserAdministration(
    UserManager<User> users,
    AccountExistence existence,
    LazyMigrateDbContext db,
    AuditTrail audit,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    TimeProvider time,
    ILogger<UserAdministration> logger)
{
    private const int MaxMetadataBytes = 16 * 1024;
    private const int MaxProfileField = 256;

    public async Task<UserChange> CreateAsync(UserCreate input, string actor, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var email = input.Email is null ? null : EmailAddresses.Normalise(input.Email);
        if (email is null)
        {
            errors["email"] = ["A valid email address is required."];
        }

        CheckProfile(errors, input.Name, input.GivenName, input.FamilyName, input.Nickname, null);
        CheckMetadata(errors, "userMetadata", input.UserMetadata);
        CheckMetadata(errors, "appMetadata", input.AppMetadata);
        if (errors.Count > 0)
        {
            return new UserChange.Invalid(errors);
        }

        var user = new User
        {
            Id = Guid.CreateVersion7(),
            UserName = email,
            Email = email,
            EmailConfirmed = input.EmailVerified,
            Name = Blank(input.Name),
            GivenName = Blank(input.GivenName),
            FamilyName = Blank(input.FamilyName),
            Nickname = Blank(input.Nickname),
            UserMetadata = input.UserMetadata?.GetRawText(),
            AppMetadata = input.AppMetadata?.GetRawText(),
            CreatedAt = time.GetUtcNow(),
            LockoutEnabled = true,
        };

        if (input.Password is not null)
        {
            var weak = await ValidatePasswordAsync(user, input.Password);
            if (weak.Length > 0)
            {
                return new UserChange.Invalid(new Dictionary<string, string[]> { ["password"] = weak });
            }
        }

        var taken = await CheckAddressAsync(email!, cancellationToken);
        if (taken is not null)
        {
            return taken;
        }

        var created = input.Password is null ? await users.CreateAsync(user) : await users.CreateAsync(user, input.Password);
        if (!created.Succeeded)
        {
            // The unique index caught a concurrent registration or import of the same address.
            return created.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName")
                ? new UserChange.EmailTaken(false)
                : new UserChange.Invalid(new Dictionary<string, string[]> { [""] = created.Errors.Select(e => e.Description).ToArray() });
        }

        await audit.RecordAsync(AuditEventType.UserCreated, user.Id, actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("User {UserId} created by {Actor}", user.Id, actor);
        return new UserChange.Done(UserView.From(user));
    }

    public async Task<UserChange> UpdateAsync(Guid id, UserPatch patch, string actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null)
        {
            return new UserChange.NotFound();
        }

        await db.Entry(user).Collection(u => u.Identities).LoadAsync(cancellationToken);
        var source = user.Identities.FirstOrDefault(i => i.Origin == IdentityOrigin.Imported)?.Connection;
        var errors = new Dictionary<string, string[]>();
        string? email = null;
        if (patch.Email is not null && (email = EmailAddresses.Normalise(patch.Email)) is null)
        {
            errors["email"] = ["A valid email address is required."];
        }

        CheckProfile(errors, patch.Name, patch.GivenName, patch.FamilyName, patch.Nickname, patch.Picture);
        CheckMetadata(errors, "userMetadata", patch.UserMetadata);
        CheckMetadata(errors, "appMetadata", patch.AppMetadata);
        if (errors.Count > 0)
        {
            return new UserChange.Invalid(errors);
        }

        var changes = new List<string>();
        if (email is not null && users.NormalizeEmail(email) != user.NormalizedEmail)
        {
            if (await CheckAddressAsync(email, cancellationToken) is { } taken)
            {
                return taken;
            }

            // People who signed in with their address keep doing so with the new one.
            if (string.Equals(user.UserName, user.Email, StringComparison.OrdinalIgnoreCase))
            {
                user.UserName = email;
            }

            user.Email = email;
            user.EmailConfirmed = patch.EmailVerified ?? false;
            changes.Add("email");
        }
        else if (patch.EmailVerified is { } verified && verified != user.EmailConfirmed)
        {
            user.EmailConfirmed = verified;
            changes.Add("emailVerified");
        }

        Apply(patch.Name, v => user.Name = v, "name");
        Apply(patch.GivenName, v => user.GivenName = v, "givenName");
        Apply(patch.FamilyName, v => user.FamilyName = v, "familyName");
        Apply(patch.Nickname, v => user.Nickname = v, "nickname");
        Apply(patch.Picture, v => user.Picture = v, "picture");
        if (patch.UserMetadata is { } userMetadata)
        {
            user.UserMetadata = userMetadata.ValueKind == JsonValueKind.Null ? null : userMetadata.GetRawText();
            changes.Add("userMetadata");
        }

        if (patch.AppMetadata is { } appMetadata)
        {
            user.AppMetadata = appMetadata.ValueKind == JsonValueKind.Null ? null : appMetadata.GetRawText();
            changes.Add("appMetadata");
        }

        var blockChange = patch.Blocked is { } block && block != UserView.IsBlocked(user) ? patch.Blocked : null;
        if (blockChange is { } blocking)
        {
            user.LockoutEnabled = true;
            user.LockoutEnd = blocking ? DateTimeOffset.MaxValue : null;
        }

        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            return updated.Errors.Any(e => e.Code is "DuplicateEmail" or "DuplicateUserName")
                ? new UserChange.EmailTaken(false)
                : new UserChange.Invalid(new Dictionary<string, string[]> { [""] = updated.Errors.Select(e => e.Description).ToArray() });
        }

        if (blockChange is true)
        {
            // A blocked user's sessions and refresh tokens end now, not when they expire.
            await users.UpdateSecurityStampAsync(user);
            await tokens.RevokeBySubjectAsync(user.Id.ToString(), cancellationToken);
            await authorizations.RevokeBySubjectAsync(user.Id.ToString(), cancellationToken);
            await audit.RecordAsync(AuditEventType.UserBlocked, user.Id, source, actor: actor, cancellationToken: cancellationToken);
        }
        else if (blockChange is false)
        {
            await audit.RecordAsync(AuditEventType.UserUnblocked, user.Id, source, actor: actor, cancellationToken: cancellationToken);
        }

        if (changes.Count > 0)
        {
            await audit.RecordAsync(AuditEventType.UserUpdated, user.Id, source, detail: string.Join(", ", changes),
                actor: actor, cancellationToken: cancellationToken);
        }

        return new UserChange.Done(UserView.From(user));

        void Apply(string? value, Action<string?> set, string field)
        {
            if (value is not null)
            {
                set(Blank(value));
                changes.Add(field);
            }
        }
    }

    /// <summary>
    /// Detaches a linked legacy identity from a user (a link that was wrong: two people sharing an address). That
    /// legacy account is then nobody's here. The identity the user was imported from stays: delete the user instead.
    /// </summary>
    public async Task<UserChange> UnlinkIdentityAsync(Guid id, string connection, string legacyId, string actor, CancellationToken cancellationToken)
    {
        var identity = await db.UserIdentities.SingleOrDefaultAsync(i => i.UserId == id && i.Connection == connection && i.LegacyId == legacyId, cancellationToken);
        if (identity is null)
        {
            return new UserChange.NotFound();
        }

        if (identity.Origin == IdentityOrigin.Imported)
        {
            return new UserChange.Invalid(new Dictionary<string, string[]>
            {
                ["identity"] = ["The user was imported from this identity; it cannot be unlinked. Delete the user instead."],
            });
        }

        db.UserIdentities.Remove(identity);
        // A link still pending (after an outage) would otherwise bring this one straight back.
        await db.PendingIdentityLinks.Where(l => l.UserId == id).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(AuditEventType.IdentityUnlinked, id, connection, detail: $"legacy id {legacyId}", actor: actor, cancellationToken: cancellationToken);
        logger.LogInformation("Legacy identity {LegacyId} of connection {Connection} unlinked from user {UserId} by {Actor}", legacyId, connection, id, actor);
        var user = await db.Users.AsNoTracking().Include(u => u.Identities).SingleAsync(u => u.Id == id, cancellationToken);
        return new UserChange.Done(UserView.From(user));
    }

    private async Task<UserChange?> CheckAddressAsync(string email, CancellationToken cancellationToken)
    {
        var context = new ScriptContext();
        return await existence.CheckAsync(email, context, cancellationToken) switch
        {
            Existence.Local => new UserChange.EmailTaken(false),
            Existence.Legacy => new UserChange.EmailTaken(true),
            Existence.Unknown => new UserChange.LegacyUnavailable(),
            _ => null,
        };
    }

    private async Task<string[]> ValidatePasswordAsync(User user, string password)
    {
        var problems = new List<string>();
        foreach (var validator in users.PasswordValidators)
        {
            var result = await validator.ValidateAsync(users, user, password);
            problems.AddRange(result.Errors.Select(e => e.Description));
        }

        return [.. problems];
    }

    private static void CheckProfile(Dictionary<string, string[]> errors, string? name, string? givenName, string? familyName, string? nickname, string? picture)
    {
        foreach (var (field, value) in new[] { ("name", name), ("givenName", givenName), ("familyName", familyName), ("nickname", nickname) })
        {
            if (value is { Length: > MaxProfileField })
            {
                errors[field] = [$"At most {MaxProfileField} characters."];
            }
        }

        if (!string.IsNullOrEmpty(picture) && (picture.Length > 2048 || !Uri.TryCreate(picture, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
        {
            errors["picture"] = ["An absolute https URL of at most 2048 characters."];
        }
    }

    private static void CheckMetadata(Dictionary<string, string[]> errors, string field, JsonElement? value)
    {
        if (value is not { } element)
        {
            return;
        }

        if (element.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            errors[field] = ["Must be a JSON object."];
        }
        else if (element.GetRawText().Length > MaxMetadataBytes)
        {
            errors[field] = [$"At most {MaxMetadataBytes / 1024} KB."];
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
