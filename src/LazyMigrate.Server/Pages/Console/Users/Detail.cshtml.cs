using LazyMigrate.Server.Audit;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Mfa;
using Microsoft.AspNetCore.Identity;
using LazyMigrate.Server.LazyMigration;
using LazyMigrate.Server.Users;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Pages.Console.Users;

public sealed class DetailModel(UserDirectory directory, UserAdministration administration, UserDeletion deletion,
    MfaFactors factors, UserManager<User> users) : ConsolePage
{
    /// <summary>Kinds, origins and dates only: the console never shows a factor's secret or number.</summary>
    public IReadOnlyList<MfaFactorView> Factors { get; private set; } = [];

    public UserView Person { get; private set; } = null!;

    public IReadOnlyList<AuditEvent> Events { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await directory.GetAsync(id, cancellationToken) is not { } user)
        {
            return NotFound();
        }

        Person = user;
        Events = await directory.RecentEventsAsync(id, 20, cancellationToken);
        Factors = await factors.ListViewsAsync(id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRemoveFactorAsync(Guid id, string factor, CancellationToken cancellationToken)
    {
        Notify(await factors.RemoveAsync(users, id, factor, Actor, cancellationToken)
            ? "The factor is removed."
            : "No such factor.");
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostBlockAsync(Guid id, bool blocked, CancellationToken cancellationToken)
    {
        var patch = new UserPatch(null, null, null, null, null, null, null, null, null, Blocked: blocked);
        switch (await administration.UpdateAsync(id, patch, Actor, cancellationToken))
        {
            case UserChange.Done done:
                Notify(blocked ? $"{done.User.Email} is blocked: they can no longer sign in." : $"{done.User.Email} is unblocked.");
                return RedirectToPage(new { id });
            case UserChange.NotFound:
                return NotFound();
            default:
                Notify("The change was refused.");
                return RedirectToPage(new { id });
        }
    }

    /// <param name="allowReimport">False leaves a tombstone: the legacy account is never imported again.</param>
    public async Task<IActionResult> OnPostDeleteAsync(Guid id, bool allowReimport, bool confirm, CancellationToken cancellationToken)
    {
        if (!confirm)
        {
            Notify("Tick the confirmation to delete the user.");
            return RedirectToPage(new { id });
        }

        var email = (await directory.GetAsync(id, cancellationToken))?.Email;
        if (!await deletion.DeleteAsync(id, allowReimport, Actor, cancellationToken))
        {
            return NotFound();
        }

        Notify($"{email} deleted" + (allowReimport ? "; they may be imported again from the legacy system." : "; a tombstone keeps them from being imported again."));
        return Redirect("/console/users");
    }
}
