using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Tests.Account;

/// <summary>The hasher on its own: legacy values verify and ask for a rehash; unreadable ones fail without naming the hash.</summary>
public sealed class LegacyAwarePasswordHasherTests
{
    private readonly RecordingLogger _log = new();

    private const long MiB = 1024 * 1024;

    // Auth0's documented argon2 example (custom_password_hash "edward"; the vector of Auth0CustomPasswordHashTests): m = 64 MiB.
    private static readonly string Argon2Of64MiB = LegacyCredential.Store(LegacyPasswordHash.FromAuth0(System.Text.Json.Nodes.JsonNode.Parse(
        """{ "algorithm": "argon2", "hash": { "value": "$argon2id$v=19$m=65536,t=2,p=1$J6Q/82PCyaNpYKRELJyTZg$m04qUAB8rexWDR4+/0f+SFB+4XMFxt7YAvAq2UycYos" } }""")!));

    private const string Argon2Password = "shh";

    private LegacyAwarePasswordHasher Hasher(LegacyVerificationMemory? memory = null) => new(
        Options.Create(new PasswordHasherOptions { IterationCount = 1_000 }),
        Options.Create(new AccountOptions()),
        memory ?? new LegacyVerificationMemory(Options.Create(new LegacyVerificationOptions())),
        _log);

    private static LegacyVerificationMemory Budget(int mib, TimeSpan maxWait) =>
        new(Options.Create(new LegacyVerificationOptions { MemoryMiB = mib, MaxWait = maxWait }));

    [Fact]
    public async Task AMemoryHardHash_WaitsForItsMemory_AndVerifiesOnceItIsFree()
    {
        using var memory = Budget(96, TimeSpan.FromMinutes(2));
        var hasher = Hasher(memory);
        var held = memory.Acquire(96 * MiB)!;

        var verification = Task.Run(() => hasher.VerifyHashedPassword(new User(), Argon2Of64MiB, Argon2Password), TestContext.Current.CancellationToken);

        // It waits for its 64 MiB while the whole budget is taken...
        await Wait.ForAsync(() => Task.FromResult(memory.QueuedMiB), queued => queued == 64);
        Assert.False(verification.IsCompleted);
        // ...and runs when it is given back; then its memory is back in the budget too.
        held.Dispose();
        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, await verification);
        Assert.Equal(96, memory.AvailableMiB);
    }

    [Fact]
    public void AHashThatNeedsLittleMemory_NeverWaitsForTheBudget()
    {
        using var memory = Budget(64, TimeSpan.FromMinutes(2));
        using var held = memory.Acquire(64 * MiB)!;
        var stored = LegacyCredential.Store(LegacyPasswordHash.FromBcrypt("$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC"));

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, Hasher(memory).VerifyHashedPassword(new User(), stored, "correct horse 9"));
        Assert.Equal(0, memory.AvailableMiB);
    }

    [Fact]
    public void AMemoryHardHash_WithNoMemoryWithinTheWait_IsRefusedLikeAWrongPassword_AndLogged()
    {
        using var memory = Budget(96, TimeSpan.FromMilliseconds(50));
        using var held = memory.Acquire(96 * MiB)!;

        Assert.Equal(PasswordVerificationResult.Failed, Hasher(memory).VerifyHashedPassword(new User(), Argon2Of64MiB, Argon2Password));
        Assert.Contains(_log.Lines, line => line.Contains("no memory for it", StringComparison.Ordinal));
        Assert.All(_log.Lines, line => Assert.DoesNotContain(Argon2Password, line, StringComparison.Ordinal));
    }

    [Fact]
    public void ALegacyHash_VerifiesAsRehashNeeded_AndAWrongPasswordFails()
    {
        // The bcrypt vector of LegacyPasswordVerifierTests (htpasswd -nbB -C 5 u 'correct horse 9', apache2-utils 2.4).
        var stored = LegacyCredential.Store(LegacyPasswordHash.FromBcrypt("$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC"));
        var hasher = Hasher();

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, hasher.VerifyHashedPassword(new User(), stored, "correct horse 9"));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(new User(), stored, "correct horse 8"));
        Assert.Equal(("legacy", "bcrypt"), (CredentialView.Of(stored).Kind, CredentialView.Of(stored).Format));
    }

    [Fact]
    public void NewHashes_AreNative_AndNativeHashesVerifyAsBefore()
    {
        var hasher = Hasher();
        var hash = hasher.HashPassword(new User(), "a new password");

        Assert.DoesNotContain(LegacyCredential.Prefix, hash, StringComparison.Ordinal);
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(new User(), hash, "a new password"));
        Assert.Equal(CredentialView.Native, CredentialView.Of(hash));
        Assert.Equal(CredentialView.None, CredentialView.Of(null));
    }

    [Theory]
    [InlineData("legacy:{not json SECRETVALUE")]
    [InlineData("legacy:{\"algorithm\":\"md5\",\"hash\":{\"value\":\"SECRETVALUEzz\",\"encoding\":\"hex\"}}")]
    [InlineData("legacy:{\"algorithm\":\"rot13\",\"hash\":{\"value\":\"SECRETVALUE\"}}")]
    public void AnUnreadableLegacyHash_FailsAndTheLogNamesNeitherHashNorPassword(string stored)
    {
        var result = Hasher().VerifyHashedPassword(new User { Id = Guid.NewGuid() }, stored, "the typed PASSWORD");

        Assert.Equal(PasswordVerificationResult.Failed, result);
        Assert.All(_log.Lines, line =>
        {
            Assert.DoesNotContain("SECRETVALUE", line, StringComparison.Ordinal);
            Assert.DoesNotContain("PASSWORD", line, StringComparison.Ordinal);
        });
    }

    private sealed class RecordingLogger : ILogger<LegacyAwarePasswordHasher>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception) + exception);
    }
}
