using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Server.Account;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LazyMigrate.Server.Tests.Account;

/// <summary>The hasher on its own: legacy values verify and ask for a rehash; unreadable ones fail without naming the hash.</summary>
public sealed class LegacyAwarePasswordHasherTests
{
    private readonly RecordingLogger _log = new();

    private LegacyAwarePasswordHasher Hasher() => new(Options.Create(new PasswordHasherOptions { IterationCount = 1_000 }), Options.Create(new AccountOptions()), _log);

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
