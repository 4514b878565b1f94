namespace LazyMigrate.E2E.Tests;

/// <summary>
/// The live server under <c>http://localhost:PORT</c>: WebAuthn needs a secure context (localhost is one over http)
/// and a relying party id that is a domain, which 127.0.0.1 is not.
/// </summary>
public sealed class PasskeyServer : LiveServer
{
    protected override string Host => "localhost";
}
