using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.Sandbox;
using LazyMigrate.Scripting.UserFiles;

namespace LazyMigrate.Scripting.Workers;

/// <summary>
/// The channel between the server and a sandbox worker: the worker's stdin and stdout, carrying frames of a 4-byte
/// little-endian length and a UTF-8 JSON message. Pipes rather than a socket: private to the parent and child by
/// construction (no path or port another local user could reach, nothing to clean up), the child's death is an
/// immediate end of stream, and they work the same on Linux, macOS, Windows and a read-only container.
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>
    /// Largest frame either side accepts. A reply is a capped profile, or a listUsers page (the host's conversion takes
    /// at most 4 Mi characters of script data), plus at most 200 log lines of 4 KB; a request four scripts of at most
    /// 512 KB and the settings. A bigger frame from a worker ends that worker.
    /// </summary>
    public const int MaxFrameBytes = 16 * 1024 * 1024;

    public static async Task WriteAsync(Stream stream, byte[] payload, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Frame(payload), cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>Writes a frame synchronously: one write call, so a pipe never sees half a frame from two writers.</summary>
    public static void Write(Stream stream, byte[] payload)
    {
        stream.Write(Frame(payload));
        stream.Flush();
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>Reads one frame; null at the end of the stream (the other side is gone).</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await FillAsync(stream, header, cancellationToken))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 0 or > MaxFrameBytes)
        {
            throw new InvalidDataException($"a frame of {length} bytes is outside 0..{MaxFrameBytes}");
        }

        var payload = new byte[length];
        return await FillAsync(stream, payload, cancellationToken) ? payload : throw new EndOfStreamException("the stream ended inside a frame");
    }

    private static async Task<bool> FillAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return read == 0 && buffer.Length > 0 ? false : throw new EndOfStreamException("the stream ended inside a frame");
            }

            read += n;
        }

        return true;
    }

    public static byte[] Serialize(WorkerRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, WorkerJson.Default.WorkerRequest);

    public static byte[] Serialize(WorkerMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, WorkerJson.Default.WorkerMessage);

    public static WorkerRequest ReadRequest(byte[] frame) =>
        JsonSerializer.Deserialize(frame, WorkerJson.Default.WorkerRequest) ?? throw new InvalidDataException("an empty request");

    public static WorkerMessage ReadMessage(byte[] frame) =>
        JsonSerializer.Deserialize(frame, WorkerJson.Default.WorkerMessage) ?? throw new InvalidDataException("an empty message");
}

/// <summary>Server to worker: run a call, or cancel the running one (its caller gave up).</summary>
internal sealed record WorkerRequest
{
    public required long Id { get; init; }

    public bool Cancel { get; init; }

    public ScriptKind Kind { get; init; }

    public WireConnection? Connection { get; init; }

    public string? Identifier { get; init; }

    public string? Password { get; init; }

    /// <summary>listUsers: the page size asked for (the cursor travels as <see cref="Identifier"/>).</summary>
    public int Limit { get; init; }

    public ScriptContext? Context { get; init; }

    /// <summary>What is left of the call's deadline when it is sent (the server's queueing already took the rest).</summary>
    public double TimeoutMs { get; init; }
}

/// <summary>A connection as it travels with each call: settings and secrets never go through files or the environment.</summary>
internal sealed record WireConnection
{
    public required string Name { get; init; }

    public LegacyDatabaseProvider DatabaseProvider { get; init; }

    public string? DatabaseConnectionString { get; init; }

    public string? LoginScript { get; init; }

    public string? GetUserScript { get; init; }

    public string? CountUsersScript { get; init; }

    public string? ListUsersScript { get; init; }

    public Dictionary<string, string> Settings { get; init; } = [];

    public string[] SecretSettings { get; init; } = [];

    public string[] HttpAllowList { get; init; } = [];

    public ScriptLimits Limits { get; init; } = new();

    public static WireConnection From(LegacyConnection connection, TimeSpan timeout) => new()
    {
        Name = connection.Name,
        DatabaseProvider = connection.DatabaseProvider,
        DatabaseConnectionString = connection.DatabaseConnectionString,
        LoginScript = connection.LoginScript,
        GetUserScript = connection.GetUserScript,
        CountUsersScript = connection.CountUsersScript,
        ListUsersScript = connection.ListUsersScript,
        Settings = new Dictionary<string, string>(connection.Settings, StringComparer.Ordinal),
        SecretSettings = [.. connection.SecretSettings],
        HttpAllowList = [.. connection.HttpAllowList],
        Limits = connection.Limits with { Timeout = timeout },
    };

    public LegacyConnection ToConnection() => new()
    {
        Name = Name,
        DatabaseProvider = DatabaseProvider,
        DatabaseConnectionString = DatabaseConnectionString,
        LoginScript = LoginScript,
        GetUserScript = GetUserScript,
        CountUsersScript = CountUsersScript,
        ListUsersScript = ListUsersScript,
        Settings = Settings,
        SecretSettings = SecretSettings.ToHashSet(StringComparer.Ordinal),
        HttpAllowList = HttpAllowList,
        Limits = Limits,
    };
}

/// <summary>Worker to server: ready (after start-up and warm-up), a call's reply, or a line for the server's log.</summary>
internal sealed record WorkerMessage
{
    public WorkerMessageType Type { get; init; }

    public long Id { get; init; }

    public WireOutcome? Outcome { get; init; }

    public ScriptLogEntry[]? Logs { get; init; }

    public double DurationMs { get; init; }

    /// <summary>The call's time in legacy database and HTTP calls, added up.</summary>
    public double LegacyIoMs { get; init; }

    public bool LegacyFault { get; init; }

    /// <summary>The worker should not take another call (host work still running, heap exhausted).</summary>
    public bool Unfit { get; init; }

    /// <summary>The worker's resident memory after the call, for recycling.</summary>
    public long WorkingSetBytes { get; init; }

    public int LogLevel { get; init; }

    public string? Category { get; init; }

    public string? Message { get; init; }
}

internal enum WorkerMessageType
{
    Ready,
    Reply,
    Log,
}

/// <summary>A <see cref="ScriptOutcome"/> on the wire.</summary>
internal sealed record WireOutcome
{
    public required string Type { get; init; }

    public LegacyProfile? Profile { get; init; }

    public long Users { get; init; }

    public WireListedUser[]? Listed { get; init; }

    public string? NextCursor { get; init; }

    public ScriptFailureReason Reason { get; init; }

    public string? Message { get; init; }

    public int? Line { get; init; }

    public int? Column { get; init; }

    public static WireOutcome From(ScriptOutcome outcome) => outcome switch
    {
        ScriptOutcome.Found found => new() { Type = "found", Profile = found.Profile },
        ScriptOutcome.UnknownUser => new() { Type = "unknownUser" },
        ScriptOutcome.WrongPassword => new() { Type = "wrongPassword" },
        ScriptOutcome.Counted counted => new() { Type = "counted", Users = counted.Users },
        ScriptOutcome.Listed listed => new() { Type = "listed", Listed = [.. listed.Users.Select(WireListedUser.From)], NextCursor = listed.NextCursor },
        ScriptOutcome.Failed failed => new() { Type = "failed", Reason = failed.Reason, Message = failed.Message, Line = failed.Line, Column = failed.Column },
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    public ScriptOutcome ToOutcome() => Type switch
    {
        "found" when Profile is not null => new ScriptOutcome.Found(Profile),
        "unknownUser" => new ScriptOutcome.UnknownUser(),
        "wrongPassword" => new ScriptOutcome.WrongPassword(),
        "counted" => new ScriptOutcome.Counted(Users),
        "listed" => new ScriptOutcome.Listed([.. (Listed ?? []).Select(user => user.ToListedUser())], NextCursor),
        "failed" => new ScriptOutcome.Failed(Reason, Message ?? "", Line, Column),
        _ => new ScriptOutcome.Failed(ScriptFailureReason.SandboxCrashed, $"the sandbox answered an unknown outcome '{Type}'"),
    };
}

/// <summary>
/// A <see cref="ListedUser"/> on the wire. The hash travels in its stored form (<see cref="LegacyPasswordHash.Serialize"/>),
/// so the descriptor's shape is decided in one place only.
/// </summary>
internal sealed record WireListedUser
{
    public LegacyProfile? Profile { get; init; }

    public string? PasswordHash { get; init; }

    public string? RefusalReason { get; init; }

    public string? RefusalDetail { get; init; }

    public string? LegacyId { get; init; }

    public static WireListedUser From(ListedUser user) => new()
    {
        Profile = user.Profile,
        PasswordHash = user.PasswordHash?.Serialize(),
        RefusalReason = user.Refusal?.Reason,
        RefusalDetail = user.Refusal?.Detail,
        LegacyId = user.LegacyId,
    };

    public ListedUser ToListedUser() => new(
        Profile,
        PasswordHash is null ? null : LegacyPasswordHash.Deserialize(PasswordHash),
        RefusalReason is null ? null : new ImportRefusal(RefusalReason, RefusalDetail ?? ""),
        LegacyId);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WorkerRequest))]
[JsonSerializable(typeof(WorkerMessage))]
internal sealed partial class WorkerJson : JsonSerializerContext;
