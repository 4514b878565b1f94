using System.Globalization;
using Jint;
using Jint.Native;
using Jint.Native.Object;

namespace LazyMigrate.Scripting.Host;

/// <summary>
/// Moves data across the sandbox boundary as plain values only: strings, numbers, booleans, null, arrays and plain
/// objects. No CLR object is ever handed to a script, so there is nothing to reflect on.
/// </summary>
internal static class ScriptValues
{
    /// <summary>Largest integer a JS number holds exactly; bigger integers cross as strings.</summary>
    private const long MaxSafeInteger = 9_007_199_254_740_991;

    /// <summary>Converts a plain CLR value (as produced by <see cref="ToPlain"/> or a legacy driver) into a JS value. Engine thread only.</summary>
    public static JsValue ToJs(Engine engine, object? value) => value switch
    {
        null or DBNull => JsValue.Null,
        JsValue js => js,
        string s => new JsString(s),
        bool b => b ? JsBoolean.True : JsBoolean.False,
        int i => new JsNumber(i),
        long l => Math.Abs(l) <= MaxSafeInteger ? new JsNumber(l) : new JsString(l.ToString(CultureInfo.InvariantCulture)),
        double d => new JsNumber(d),
        IReadOnlyList<object?> list => ToJsArray(engine, list),
        IReadOnlyDictionary<string, object?> map => ToJsObject(engine, map),
        _ => new JsString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    private static JsArray ToJsArray(Engine engine, IReadOnlyList<object?> list)
    {
        var items = new JsValue[list.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = ToJs(engine, list[i]);
        }

        return new JsArray(engine, items);
    }

    private static JsObject ToJsObject(Engine engine, IReadOnlyDictionary<string, object?> map)
    {
        var result = new JsObject(engine);
        foreach (var (key, item) in map)
        {
            result.FastSetDataProperty(key, ToJs(engine, item));
        }

        return result;
    }

    /// <summary>Most array elements and object properties one conversion takes, all levels together.</summary>
    public const int MaxItems = 100_000;

    /// <summary>Most characters (strings, keys, bytes) one conversion takes, all levels together: 4 Mi, 8 MB as UTF-16.</summary>
    public const long MaxChars = 4L * 1024 * 1024;

    /// <summary>
    /// Converts a JS value to plain CLR data (string, double, bool, null, List, Dictionary). Functions, symbols and
    /// cycles are refused; <paramref name="maxDepth"/> bounds nesting so a hostile value cannot exhaust the stack,
    /// and <see cref="MaxItems"/> / <see cref="MaxChars"/> bound its size, checked before anything is allocated
    /// (<c>a.length = 2**26</c> is a few bytes to the script and was gigabytes to the host). Long conversions stop
    /// at <paramref name="cancellationToken"/> (the call's deadline).
    /// </summary>
    public static object? ToPlain(JsValue value, int maxDepth = 32, CancellationToken cancellationToken = default) =>
        ToPlain(value, maxDepth, new Budget(cancellationToken));

    private static object? ToPlain(JsValue value, int maxDepth, Budget budget)
    {
        if (maxDepth < 0)
        {
            throw new ScriptHostException("value is nested too deeply");
        }

        if (value.IsNull() || value.IsUndefined())
        {
            return null;
        }

        if (value.IsString())
        {
            var text = value.AsString();
            budget.TakeChars(text.Length);
            return text;
        }

        if (value.IsBoolean())
        {
            return value.AsBoolean();
        }

        if (value.IsNumber())
        {
            return value.AsNumber();
        }

        if (value.IsBigInt())
        {
            return value.ToString();
        }

        if (value.IsDate())
        {
            return value.AsDate().ToDateTime().ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
        }

        if (value.IsUint8Array())
        {
            budget.TakeChars((long)value.AsObject().Get("length").AsNumber());
            return value.AsUint8Array();
        }

        if (value.IsArray())
        {
            var array = value.AsArray();
            budget.TakeItems(array.Length);
            var length = (int)array.Length;
            var list = new List<object?>(length);
            for (var i = 0; i < length; i++)
            {
                list.Add(ToPlain(array.Get(i), maxDepth - 1, budget));
            }

            return list;
        }

        if (value is ObjectInstance obj && !value.IsCallable())
        {
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            var keys = obj.GetOwnPropertyKeys(Jint.Runtime.Types.String);
            budget.TakeItems((uint)keys.Count);
            foreach (var key in keys)
            {
                var descriptor = obj.GetOwnProperty(key);
                if (descriptor.Enumerable)
                {
                    var item = obj.Get(key);
                    if (!item.IsUndefined() && !item.IsCallable())
                    {
                        var name = key.ToString();
                        budget.TakeChars(name.Length);
                        map[name] = ToPlain(item, maxDepth - 1, budget);
                    }
                }
            }

            return map;
        }

        throw new ScriptHostException("functions and symbols cannot be passed to the host");
    }

    /// <summary>What is left of one conversion's size allowance; checks the deadline as it goes.</summary>
    private sealed class Budget(CancellationToken cancellationToken)
    {
        private long _items = MaxItems;
        private long _chars = MaxChars;

        public void TakeItems(uint count)
        {
            _items -= count;
            if (_items < 0)
            {
                throw new ScriptHostException($"value is too large to pass to the host (more than {MaxItems} array elements and properties)");
            }

            cancellationToken.ThrowIfCancellationRequested();
        }

        public void TakeChars(long count)
        {
            _chars -= count;
            if (_chars < 0)
            {
                throw new ScriptHostException($"value is too large to pass to the host (more than {MaxChars} characters)");
            }
        }
    }

    /// <summary>Reads an optional string argument; anything other than a string or nothing is a script error.</summary>
    public static string? OptionalString(JsValue value, string name)
    {
        if (value.IsNull() || value.IsUndefined())
        {
            return null;
        }

        if (value.IsString())
        {
            return value.AsString();
        }

        if (value.IsNumber() || value.IsBoolean())
        {
            return value.ToString();
        }

        throw new ScriptHostException($"{name} must be a string");
    }

    public static string RequiredString(JsValue value, string name) =>
        OptionalString(value, name) ?? throw new ScriptHostException($"{name} is required");

    public static JsValue Arg(JsValue[] arguments, int index) => index < arguments.Length ? arguments[index] : JsValue.Undefined;
}
