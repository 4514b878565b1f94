using System.Text.RegularExpressions;
using Jint;
using Jint.Native;
using Jint.Native.Object;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>An error a script threw or passed to its callback, read into plain data on the engine thread.</summary>
internal sealed partial record ScriptError(string Name, string Message, int? Line, int? Column)
{
    public static ScriptError From(JsValue error, int? line = null, int? column = null)
    {
        if (error is ObjectInstance obj)
        {
            var name = obj.Get("name");
            var message = obj.Get("message");
            var stack = obj.Get("stack");
            var match = stack.IsString() ? StackLocation().Match(stack.AsString()) : null;
            if (line is null && match is { Success: true })
            {
                line = int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
                column = int.Parse(match.Groups[2].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
            }

            return new ScriptError(
                name.IsString() ? name.AsString() : "Error",
                message.IsString() ? message.AsString() : error.ToString(),
                line,
                column);
        }

        return new ScriptError("Error", error.IsUndefined() ? "undefined was thrown" : error.ToString(), line, column);
    }

    public bool Is(string name) => string.Equals(Name, name, StringComparison.Ordinal);

    [GeneratedRegex(@":(\d+):(\d+)")]
    private static partial Regex StackLocation();
}
