using System.Security.Cryptography;
using LazyMigrate.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Validation;

namespace LazyMigrate.Server.Oidc;

/// <summary>
/// Creates the token signing and encryption keys on first start and stores them, protected, in the database so every
/// node signs and decrypts with the same keys. Runs under the start-up lock, so concurrent first starts create one set.
/// Later keys come from <see cref="ServerKeyRotation"/>.
/// </summary>
public sealed class ServerKeyGenerator(LazyMigrateDbContext db, IDataProtectionProvider dataProtection, TimeProvider time,
    ILogger<ServerKeyGenerator> logger) : IDatabaseSeeder
{
    internal const string ProtectorPurpose = "LazyMigrate.ServerKeys.v1";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var use in new[] { ServerKeyUse.Signing, ServerKeyUse.Encryption })
        {
            if (!await db.ServerKeys.AnyAsync(k => k.Use == use, cancellationToken))
            {
                db.ServerKeys.Add(New(dataProtection, use, now, now));
                logger.LogInformation("Generated a new {Use} key", use);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A new key of <paramref name="use"/>, its material protected with Data Protection and never kept in the clear.</summary>
    internal static ServerKey New(IDataProtectionProvider dataProtection, ServerKeyUse use, DateTimeOffset now, DateTimeOffset activatesAt)
    {
        var protector = dataProtection.CreateProtector(ProtectorPurpose);
        string algorithm;
        byte[] material;
        if (use == ServerKeyUse.Signing)
        {
            using var rsa = RSA.Create(2048);
            (algorithm, material) = (SecurityAlgorithms.RsaSha256, rsa.ExportPkcs8PrivateKey());
        }
        else
        {
            // Symmetric: access tokens are only ever decrypted by this server, so there is no public half to publish.
            (algorithm, material) = (SecurityAlgorithms.Aes256KW, RandomNumberGenerator.GetBytes(32));
        }

        try
        {
            return new ServerKey
            {
                Id = Guid.NewGuid(),
                Use = use,
                Algorithm = algorithm,
                ProtectedKey = Base64UrlEncoder.Encode(protector.Protect(material)),
                CreatedAt = now,
                ActivatesAt = activatesAt,
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}

/// <summary>
/// This node's copy of the stored keys, decrypted once each, and the signal that rebuilds OpenIddict's options when
/// the set or the signing key changes (a key added, activated or dropped). Server options are rebuilt before the
/// validation options, which copy their keys from them.
/// </summary>
public sealed class ServerKeyRing : IOptionsChangeTokenSource<OpenIddictServerOptions>, IOptionsChangeTokenSource<OpenIddictValidationOptions>, IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Loaded> _decrypted = [];
    private CancellationTokenSource _serverChanged = new();
    private CancellationTokenSource _validationChanged = new();

    public sealed record Loaded(ServerKey Row, SecurityKey Key);

    /// <summary>The keys as last read, or null before the first read.</summary>
    public IReadOnlyList<Loaded>? Keys { get; private set; }

    /// <summary>The signing and encryption key ids the options were last built with.</summary>
    private (Guid?, Guid?) _activeAtBuild;

    string IOptionsChangeTokenSource<OpenIddictServerOptions>.Name => Options.DefaultName;

    string IOptionsChangeTokenSource<OpenIddictValidationOptions>.Name => Options.DefaultName;

    IChangeToken IOptionsChangeTokenSource<OpenIddictServerOptions>.GetChangeToken()
    {
        lock (_lock)
        {
            return new CancellationChangeToken(_serverChanged.Token);
        }
    }

    IChangeToken IOptionsChangeTokenSource<OpenIddictValidationOptions>.GetChangeToken()
    {
        lock (_lock)
        {
            return new CancellationChangeToken(_validationChanged.Token);
        }
    }

    /// <summary>Reads the key table; decrypts only keys not seen before. Returns true when the options must be rebuilt.</summary>
    public bool Load(IReadOnlyList<ServerKey> rows, IDataProtectionProvider dataProtection, DateTimeOffset now)
    {
        var protector = dataProtection.CreateProtector(ServerKeyGenerator.ProtectorPurpose);
        List<Loaded> keys;
        lock (_lock)
        {
            keys = [.. rows.Select(row => _decrypted.TryGetValue(row.Id, out var known) ? known : _decrypted[row.Id] = Decrypt(row, protector))];
            foreach (var gone in _decrypted.Keys.Except(rows.Select(r => r.Id)).ToList())
            {
                _decrypted.Remove(gone);
            }
        }

        var previous = Keys;
        Keys = keys;
        var changed = previous is null
            || !previous.Select(k => k.Row.Id).Order().SequenceEqual(keys.Select(k => k.Row.Id).Order())
            || _activeAtBuild != (ActiveId(ServerKeyUse.Signing, now), ActiveId(ServerKeyUse.Encryption, now));
        return changed;
    }

    /// <summary>Rebuilds OpenIddict's options (server first, then validation) on every node's next request.</summary>
    public void Signal()
    {
        CancellationTokenSource server, validation;
        lock (_lock)
        {
            (server, _serverChanged) = (_serverChanged, new());
            (validation, _validationChanged) = (_validationChanged, new());
        }

        server.Cancel();
        validation.Cancel();
        server.Dispose();
        validation.Dispose();
    }

    public void Dispose()
    {
        _serverChanged.Dispose();
        _validationChanged.Dispose();
    }

    /// <summary>The credentials for OpenIddict: per use, the active key first (the one it signs and encrypts with), then the others.</summary>
    internal void AddTo(OpenIddictServerOptions options, DateTimeOffset now)
    {
        var keys = Keys ?? throw new InvalidOperationException("The server keys have not been read yet.");
        _activeAtBuild = (ActiveId(ServerKeyUse.Signing, now), ActiveId(ServerKeyUse.Encryption, now));
        foreach (var key in Ordered(ServerKeyUse.Signing, now))
        {
            options.SigningCredentials.Add(new SigningCredentials(key.Key, key.Row.Algorithm));
        }

        foreach (var key in Ordered(ServerKeyUse.Encryption, now))
        {
            options.EncryptionCredentials.Add(new EncryptingCredentials(key.Key, key.Row.Algorithm, SecurityAlgorithms.Aes256CbcHmacSha512));
        }

        IEnumerable<Loaded> Ordered(ServerKeyUse use, DateTimeOffset at)
        {
            var active = ActiveId(use, at);
            return keys.Where(k => k.Row.Use == use).OrderByDescending(k => k.Row.Id == active).ThenByDescending(k => k.Row.ActivatesAt);
        }
    }

    /// <summary>Keeps the active keys first after OpenIddict's own sort, which does not know about activation times.</summary>
    internal void Reorder(OpenIddictServerOptions options, DateTimeOffset now)
    {
        var signing = ActiveId(ServerKeyUse.Signing, now)?.ToString("N");
        var encryption = ActiveId(ServerKeyUse.Encryption, now)?.ToString("N");
        var signingCredentials = options.SigningCredentials.OrderByDescending(c => c.Key.KeyId == signing).ToList();
        var encryptionCredentials = options.EncryptionCredentials.OrderByDescending(c => c.Key.KeyId == encryption).ToList();
        options.SigningCredentials.Clear();
        options.SigningCredentials.AddRange(signingCredentials);
        options.EncryptionCredentials.Clear();
        options.EncryptionCredentials.AddRange(encryptionCredentials);
    }

    private Guid? ActiveId(ServerKeyUse use, DateTimeOffset now) =>
        Keys is { } keys ? ServerKeySchedule.Active(keys.Where(k => k.Row.Use == use).Select(k => ServerKeySchedule.ToKey(k.Row)), now)?.Id : null;

    private static Loaded Decrypt(ServerKey row, IDataProtector protector)
    {
        var material = protector.Unprotect(Base64UrlEncoder.DecodeBytes(row.ProtectedKey));
        var kid = row.Id.ToString("N");
        try
        {
            switch (row.Use)
            {
                case ServerKeyUse.Signing:
                    var rsa = RSA.Create();
                    rsa.ImportPkcs8PrivateKey(material, out _);
                    return new Loaded(row, new RsaSecurityKey(rsa) { KeyId = kid });
                default:
                    // SymmetricSecurityKey keeps its own copy of the bytes.
                    return new Loaded(row, new SymmetricSecurityKey(material) { KeyId = kid });
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}

/// <summary>
/// Hands the stored keys to OpenIddict whenever its options are built: first after migrations (it waits for the
/// database), then again each time the ring signals a change.
/// </summary>
public sealed class ServerKeyOptions(IServiceScopeFactory scopes, DatabaseReadiness readiness, ServerKeyRing ring, TimeProvider time)
    : IConfigureOptions<OpenIddictServerOptions>, IPostConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        if (ring.Keys is null)
        {
            // Options are built synchronously; this blocks only until start-up initialisation has finished (once per process).
            readiness.Ready.GetAwaiter().GetResult();
            using var scope = scopes.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
            ring.Load(db.ServerKeys.AsNoTracking().ToList(), scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>(), time.GetUtcNow());
        }

        ring.AddTo(options, time.GetUtcNow());
    }

    public void PostConfigure(string? name, OpenIddictServerOptions options) => ring.Reorder(options, time.GetUtcNow());
}

/// <summary>
/// The schedule, run by every node: under a database lock one node writes the next key when it is due (PublishAhead
/// before it signs) and drops keys whose tokens have all expired; each node then re-reads the table and rebuilds
/// OpenIddict's options when something changed, waking exactly when the next key activates.
/// </summary>
public sealed class ServerKeyRotation(
    IServiceScopeFactory scopes,
    IDataProtectionProvider dataProtection,
    DatabaseReadiness readiness,
    ServerKeyRing ring,
    IOptions<ServerKeyRotationOptions> options,
    IOptionsMonitor<OpenIddictServerOptions> server,
    TimeProvider time,
    ILogger<ServerKeyRotation> logger) : BackgroundService
{
    // Arbitrary application-wide key ("LMKeys"), held only for the transaction that writes the schedule.
    private const long RotationLockKey = 0x4C_4D_4B_65_79_73;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await readiness.Ready.WaitAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.RefreshEvery;
            try
            {
                var keys = await RotateAsync(stoppingToken);
                var now = time.GetUtcNow();
                if (ring.Load(keys, dataProtection, now))
                {
                    ring.Signal();
                }

                // Wake when the next key starts signing, not up to RefreshEvery later.
                if (ServerKeySchedule.NextActivation(keys.Select(ServerKeySchedule.ToKey), now) is { } next && next - now < wait)
                {
                    wait = next - now + TimeSpan.FromMilliseconds(10);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The keys in memory keep working; the next round tries again.
                logger.LogError(ex, "Could not refresh the token signing and encryption keys");
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<List<ServerKey>> RotateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_xact_lock({RotationLockKey})", cancellationToken);
        var keys = await db.ServerKeys.ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var retention = Retention(server.CurrentValue);
        var changed = false;
        foreach (var use in new[] { ServerKeyUse.Signing, ServerKeyUse.Encryption })
        {
            var plan = ServerKeySchedule.Decide([.. keys.Where(k => k.Use == use).Select(ServerKeySchedule.ToKey)], now, options.Value, retention);
            if (plan.CreateActivatingAt is { } activatesAt)
            {
                var key = ServerKeyGenerator.New(dataProtection, use, now, activatesAt);
                db.ServerKeys.Add(key);
                keys.Add(key);
                changed = true;
                logger.LogInformation("Generated the next {Use} key {KeyId}, signing from {ActivatesAt:O}", use, key.Id.ToString("N"), activatesAt);
            }

            foreach (var id in plan.Drop)
            {
                var key = keys.Single(k => k.Id == id);
                db.ServerKeys.Remove(key);
                keys.Remove(key);
                changed = true;
                logger.LogInformation("Dropped the {Use} key {KeyId}: every token it made has expired", use, id.ToString("N"));
            }
        }

        if (changed)
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return keys;
    }

    /// <summary>
    /// How long a retired key must stay: the longest lifetime of any token it can have signed or encrypted, plus one
    /// refresh period for nodes that learned late. Null (keep for ever) when some token type never expires.
    /// </summary>
    internal TimeSpan? Retention(OpenIddictServerOptions server)
    {
        TimeSpan?[] lifetimes = [server.AccessTokenLifetime, server.AuthorizationCodeLifetime, server.IdentityTokenLifetime, server.RefreshTokenLifetime, server.DeviceCodeLifetime, server.UserCodeLifetime];
        return lifetimes.Any(l => l is null) ? null : lifetimes.Max()!.Value + options.Value.RefreshEvery;
    }
}
