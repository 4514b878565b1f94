using System.Diagnostics.Metrics;

namespace LazyMigrate.Server.Login;

/// <summary>Sign-ins through the login page by outcome. The identifier is never a label: one series per outcome.</summary>
public sealed class LoginMetrics
{
    public const string MeterName = "LazyMigrate.Login";

    private readonly Counter<long> _signIns;

    public LoginMetrics(IMeterFactory meters)
    {
        _signIns = meters.Create(MeterName).CreateCounter<long>("lazymigrate.sign_ins", "{sign_in}", "Sign-in attempts by outcome.");
    }

    public void Record(LoginResult result) => _signIns.Add(1, new KeyValuePair<string, object?>("outcome", result switch
    {
        LoginResult.SignedIn => "signed_in",
        LoginResult.InvalidCredentials => "invalid_credentials",
        LoginResult.LockedOut => "locked_out",
        LoginResult.Unavailable => "unavailable",
        LoginResult.Throttled => "throttled",
        _ => "other",
    }));
}
