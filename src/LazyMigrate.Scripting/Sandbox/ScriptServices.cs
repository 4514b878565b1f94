using LazyMigrate.Scripting.Legacy;
using Microsoft.Extensions.Logging;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>The long-lived, thread-safe things every call shares (never anything a script can write to).</summary>
internal sealed record ScriptServices(
    ILegacyDatabaseFactory Databases,
    LegacyHttpClient Http,
    PreparedScriptCache Scripts,
    TimeProvider Time,
    ILogger Logger);
