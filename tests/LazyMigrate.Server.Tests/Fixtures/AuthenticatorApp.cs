using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// A person's authenticator app: computes RFC 6238 codes from the key (Otp.NET, not the server's code). Like a
/// person waiting for the next code, it never gives a time step twice.
/// </summary>
public sealed class AuthenticatorApp(string key)
{
    private readonly Totp _totp = new(Base32Encoding.ToBytes(key.Replace(" ", "", StringComparison.Ordinal)));
    private long _lastStep;

    public string Key { get; } = key;

    public static long CurrentStep => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;

    /// <summary>The code of the current step, or of the next one when the current one was given already.</summary>
    public async Task<string> NextCodeAsync()
    {
        var step = Math.Max(CurrentStep, _lastStep + 1);
        // The server accepts one step ahead; beyond that, wait for the clock (a bounded poll, not a fixed sleep).
        await Wait.ForAsync(() => Task.FromResult(CurrentStep), current => step <= current + 1, TimeSpan.FromSeconds(70));
        _lastStep = step;
        return Code(step);
    }

    /// <summary>The code of the last step given: what a replay would send.</summary>
    public string LastCode => Code(_lastStep);

    public string Code(long step) => _totp.ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * 30).UtcDateTime);

    /// <summary>Enrols a new authenticator for <paramref name="user"/> through Identity, as the enrolment page does once confirmed.</summary>
    public static async Task<AuthenticatorApp> EnrolAsync(IServiceProvider services, TestUser user)
    {
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var row = await users.FindByIdAsync(user.Id.ToString()) ?? throw new InvalidOperationException("No such user.");
        await users.ResetAuthenticatorKeyAsync(row);
        var key = await users.GetAuthenticatorKeyAsync(row) ?? throw new InvalidOperationException("No key.");
        await users.SetTwoFactorEnabledAsync(row, true);
        return new AuthenticatorApp(key);
    }
}
