using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Refuses a protocol request with a NUL character in any parameter (Basic credentials included) as invalid_request,
/// before OpenIddict looks a client up: PostgreSQL cannot store or compare NUL in text, and would fail the request.
/// </summary>
public sealed class RefuseNulCharacters<TContext> : IOpenIddictServerHandler<TContext> where TContext : BaseValidatingContext
{
    public ValueTask HandleAsync(TContext context)
    {
        if (context.Transaction.Request is not { } request)
        {
            return ValueTask.CompletedTask;
        }

        foreach (var (name, value) in request.GetParameters())
        {
            // Strings and string arrays read as themselves, JSON values as JSON text (where a NUL is escaped).
            var text = value.ToString() ?? string.Empty;
            if (text.Contains('\0', StringComparison.Ordinal) || text.Contains("\\u0000", StringComparison.Ordinal))
            {
                context.Reject(Errors.InvalidRequest, $"The '{name}' parameter must not contain NUL characters.");
                break;
            }
        }

        return ValueTask.CompletedTask;
    }
}

internal static class RefuseNulCharactersRegistration
{
    /// <summary>The guard on every endpoint this server enables.</summary>
    public static OpenIddictServerBuilder RefuseNulCharactersInRequests(this OpenIddictServerBuilder options) => options
        .AddEventHandler(Descriptor<ExtractAuthorizationRequestContext>())
        .AddEventHandler(Descriptor<ExtractTokenRequestContext>())
        .AddEventHandler(Descriptor<ExtractUserInfoRequestContext>())
        .AddEventHandler(Descriptor<ExtractEndSessionRequestContext>())
        .AddEventHandler(Descriptor<ExtractIntrospectionRequestContext>())
        .AddEventHandler(Descriptor<ExtractRevocationRequestContext>());

    // After every extraction handler (form, query, Basic header), before any validation handler reads the database.
    private static OpenIddictServerHandlerDescriptor Descriptor<TContext>() where TContext : BaseValidatingContext =>
        OpenIddictServerHandlerDescriptor.CreateBuilder<TContext>()
            .UseSingletonHandler<RefuseNulCharacters<TContext>>()
            .SetOrder(int.MaxValue - 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();
}
