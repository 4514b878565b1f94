using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Oidc;

/// <summary>The schedule of the token signing and encryption keys (<c>LazyMigrate:Keys</c>).</summary>
public sealed class ServerKeyRotationOptions
{
    public const string Section = "LazyMigrate:Keys";

    /// <summary>How long each key signs (or encrypts) before the next one takes over.</summary>
    public TimeSpan RotateEvery { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long the next key is published in JWKS (and known to every node) before it signs. Longer than relying
    /// parties cache JWKS, so one holding a copy up to this old already has the key of every token it receives.
    /// </summary>
    public TimeSpan PublishAhead { get; set; } = TimeSpan.FromDays(2);

    /// <summary>How often each node re-reads the key table; a node learns of a new key at most this late.</summary>
    public TimeSpan RefreshEvery { get; set; } = TimeSpan.FromMinutes(5);
}

public sealed class ServerKeyRotationOptionsValidator : IValidateOptions<ServerKeyRotationOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerKeyRotationOptions options)
    {
        var failures = new List<string>();
        if (options.RefreshEvery <= TimeSpan.Zero || options.PublishAhead <= TimeSpan.Zero || options.RotateEvery <= TimeSpan.Zero)
        {
            failures.Add($"{ServerKeyRotationOptions.Section}: RotateEvery, PublishAhead and RefreshEvery must be positive durations.");
        }
        else
        {
            if (options.PublishAhead >= options.RotateEvery)
            {
                failures.Add($"{ServerKeyRotationOptions.Section}:PublishAhead (LazyMigrate__Keys__PublishAhead) must be shorter than RotateEvery, or a key would be published before the one before it signs.");
            }

            // Every node must have read a new key before any node signs with it.
            if (options.RefreshEvery * 2 > options.PublishAhead)
            {
                failures.Add($"{ServerKeyRotationOptions.Section}:RefreshEvery (LazyMigrate__Keys__RefreshEvery) must be at most half of PublishAhead, so every node knows a key before it signs.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
