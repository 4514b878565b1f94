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
            var text = message.IsString() ? message.AsString() : error.ToString();
            if (stack.IsString())
            {
                // The stack names each frame's source: the script (script.js) or the compatibility modules
                // (node-modules.js). A position inside the modules means nothing to the script's author, so the
                // error is placed on the script's own line that called into them, and names the module.
                var frames = StackLocation().Matches(stack.AsString());
                var first = frames.FirstOrDefault();
                if (first is not null && first.Groups[1].Value == Compat.CompatModules.SourceName)
                {
                    text += $" (in the compatibility module '{Compat.CompatModules.ModuleAt(Number(first.Groups[2]))}')";
                }

                if (line is null && frames.FirstOrDefault(f => f.Groups[1].Value != Compat.CompatModules.SourceName) is { } own)
                {
                    line = Number(own.Groups[2]);
                    column = Number(own.Groups[3]);
                }
            }

            return new ScriptError(name.IsString() ? name.AsString() : "Error", text, line, column);
        }

        return new ScriptError("Error", error.IsUndefined() ? "undefined was thrown" : error.ToString(), line, column);
    }

    public bool Is(string name) => string.Equals(Name, name, StringComparison.Ordinal);

    private static int Number(Group group) => int.Parse(group.ValueSpan, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"([^\s():]+):(\d+):(\d+)")]
    private static partial Regex StackLocation();
}
