using LazyMigrate.Server.Demo;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LazyMigrate.Server.Pages.Demo;

public sealed class DemoCallbackModel(DemoRelyingParty demo) : PageModel
{
    public DemoSignIn? Result { get; private set; }

    public string? Problem { get; private set; }

    public string? SignOutUrl { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        try
        {
            Result = await demo.CompleteSignInAsync(HttpContext, cancellationToken);
            SignOutUrl = "/connect/endsession" + QueryString.Create(new Dictionary<string, string?>
            {
                ["id_token_hint"] = Result.IdToken,
                ["post_logout_redirect_uri"] = demo.PostLogoutRedirectUri.AbsoluteUri,
            }).ToUriComponent();
        }
        catch (DemoFlowException ex)
        {
            Problem = ex.Message;
        }
    }
}
