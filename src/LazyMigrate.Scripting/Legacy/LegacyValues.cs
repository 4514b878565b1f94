using System.Collections;
using System.Globalization;

namespace LazyMigrate.Scripting.Legacy;

/// <summary>Converts between script values and database values, choosing JS-friendly forms for what JS lacks.</summary>
internal static class LegacyValues
{
    public static object ToParameter(object? value) => value switch
    {
        null => DBNull.Value,
        // JS has only doubles; an integral one is almost always an id, and binding it as an integer lets the
        // database compare it with integer columns without a cast.
        double d when Math.Floor(d) == d && Math.Abs(d) < 9e15 => (long)d,
        string or bool or double or byte[] => value,
        _ => throw new Host.ScriptHostException("query parameters must be strings, numbers, booleans, null or byte arrays"),
    };

    /// <summary>Dates become ISO 8601 strings, bytes lower-case hex, exact decimals numbers when they fit.</summary>
    public static object? FromColumn(object? value) => value switch
    {
        null or DBNull => null,
        string or bool or int or long or double => value,
        byte or sbyte or short or ushort => Convert.ToInt32(value, CultureInfo.InvariantCulture),
        uint u => (long)u,
        ulong u => u <= long.MaxValue ? (long)u : u.ToString(CultureInfo.InvariantCulture),
        float f => (double)f,
        decimal m => (decimal)(double)m == m ? (double)m : m.ToString(CultureInfo.InvariantCulture),
        DateTime dt => dt.Kind == DateTimeKind.Unspecified
            ? dt.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture)
            : dt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan ts => ts.ToString("c", CultureInfo.InvariantCulture),
        Guid g => g.ToString(),
        byte[] bytes => Convert.ToHexStringLower(bytes),
        System.Numerics.BigInteger big => big.ToString(CultureInfo.InvariantCulture),
        IEnumerable items => items.Cast<object?>().Select(FromColumn).ToList(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };
}
