namespace LazyMigrate.Scripting.Host;

/// <summary>
/// An error the host reports to a script in words fit for the script's author. Only its message crosses into the
/// sandbox; anything else thrown by host code is reported without its .NET type, stack or inner details.
/// </summary>
internal sealed class ScriptHostException(string message) : Exception(message);
