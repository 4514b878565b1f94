using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace LazyMigrate.Scripting.UserFiles;

/// <summary>One element of a JSON array read from a stream, with the line it starts on.</summary>
internal readonly record struct JsonLineElement(long Line, JsonElement Element);

/// <summary>
/// Reads the elements of a JSON array from a stream one at a time, in a buffer that holds the largest element rather
/// than the file (a 1 GB file is read in bounded memory), and counts the lines on the way so every element knows the
/// line it starts on. The array is either the document (Auth0's bulk-import file) or the value of one property of the
/// top-level object (FusionAuth's <c>{"users": [...]}</c>), whose other scalar properties are handed to the caller.
/// </summary>
internal static class JsonElementStream
{
    private const int InitialBuffer = 64 * 1024;

    /// <param name="arrayProperty">Null: the document is the array; else the top-level property that holds it.</param>
    /// <param name="topLevel">Called with each other top-level scalar property (FusionAuth's defaults) before the array.</param>
    /// <param name="values">False: the elements are only counted (each is skipped over, no document is built), and come with no value.</param>
    public static async IAsyncEnumerable<JsonLineElement> ReadAsync(Stream stream, string? arrayProperty, Action<string, JsonElement>? topLevel,
        bool values, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        try
        {
            var length = 0;
            var final = false;
            var state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            long lineAtScan = 1; // the line of buffer[scan]
            var scan = 0;
            // Where the unread part of the buffer begins: moved past each element, and the rest copied to the front only
            // when more must be read (copying it after every element moved the buffer's whole content once a row).
            var start = 0;
            var elementDepth = arrayProperty is null ? 1 : 2;
            var inArray = false;
            var arrayDone = false;
            string? property = null;

            while (true)
            {
                var progressed = Step(buffer.AsSpan(start, length - start), final, ref state, out var consumed, out var element, ref scan, ref lineAtScan,
                    elementDepth, arrayProperty, ref inArray, ref arrayDone, ref property, topLevel, values);
                if (element is { } found)
                {
                    yield return found;
                }

                if (arrayDone)
                {
                    yield break;
                }

                if (progressed)
                {
                    // Keep what the reader has not consumed; count the lines of what it has.
                    lineAtScan += CountLines(buffer.AsSpan(start + scan, Math.Max(0, consumed - scan)));
                    scan = Math.Max(0, scan - consumed);
                    start += consumed;
                    continue;
                }

                if (final)
                {
                    throw new JsonException($"the file ends inside a value (line {lineAtScan + CountLines(buffer.AsSpan(start + scan, length - start - scan))})");
                }

                // Not enough data for the next token or element: keep the rest, grow if one element fills the buffer, read on.
                lineAtScan += CountLines(buffer.AsSpan(start + scan, Math.Max(0, consumed - scan)));
                scan = Math.Max(0, scan - consumed);
                start += consumed;
                Buffer.BlockCopy(buffer, start, buffer, 0, length - start);
                length -= start;
                start = 0;
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    Buffer.BlockCopy(buffer, 0, larger, 0, length);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                length += read;
                final = read == 0;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads tokens until an element is complete (returned) or the data runs out. True when something was consumed
    /// (call again after compacting); false when more data is needed.
    /// </summary>
    private static bool Step(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, out int consumed, out JsonLineElement? element,
        ref int scan, ref long lineAtScan, int elementDepth, string? arrayProperty, ref bool inArray, ref bool arrayDone, ref string? property,
        Action<string, JsonElement>? topLevel, bool values)
    {
        try
        {
            return Tokens(data, final, ref state, out consumed, out element, ref scan, ref lineAtScan, elementDepth, arrayProperty, ref inArray,
                ref arrayDone, ref property, topLevel, values);
        }
        catch (JsonException ex) when (ex.LineNumber is { } line)
        {
            // The reader's state carries the line count across buffers: the line is the file's.
            throw new JsonException($"the file is not valid JSON at line {line + 1}", ex);
        }
    }

    private static bool Tokens(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, out int consumed, out JsonLineElement? element,
        ref int scan, ref long lineAtScan, int elementDepth, string? arrayProperty, ref bool inArray, ref bool arrayDone, ref string? property,
        Action<string, JsonElement>? topLevel, bool values)
    {
        var reader = new Utf8JsonReader(data, final, state);
        element = null;
        consumed = 0;
        while (true)
        {
            var before = reader.CurrentState;
            var beforeConsumed = (int)reader.BytesConsumed;
            if (!reader.Read())
            {
                state = reader.CurrentState;
                consumed = (int)reader.BytesConsumed;
                return consumed > 0;
            }

            if (!inArray)
            {
                if (reader.CurrentDepth == 0 && arrayProperty is null)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new JsonException("the file is not a JSON array of users");
                    }

                    inArray = true;
                    continue;
                }

                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    arrayDone = true;
                    consumed = (int)reader.BytesConsumed;
                    return true;
                }

                if (reader.CurrentDepth == 0)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        throw new JsonException($"the file is not a JSON object with a \"{arrayProperty}\" array");
                    }

                    continue;
                }

                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    property = reader.GetString();
                    continue;
                }

                if (property == arrayProperty)
                {
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        throw new JsonException($"\"{arrayProperty}\" is not an array");
                    }

                    inArray = true;
                    continue;
                }

                // Another top-level property: scalars are defaults for every user; objects and arrays are skipped whole.
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    if (!reader.TrySkip())
                    {
                        state = before;
                        consumed = beforeConsumed;
                        return consumed > 0;
                    }

                    continue;
                }

                using (var scalar = JsonDocument.ParseValue(ref reader))
                {
                    topLevel?.Invoke(property!, scalar.RootElement.Clone());
                }

                continue;
            }

            if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == elementDepth - 1)
            {
                inArray = false;
                if (arrayProperty is null)
                {
                    arrayDone = true;
                    consumed = (int)reader.BytesConsumed;
                    return true;
                }

                property = null;
                continue;
            }

            var start = (int)reader.TokenStartIndex;
            if (!values)
            {
                if (!reader.TrySkip())
                {
                    state = before;
                    consumed = beforeConsumed;
                    return consumed > 0;
                }

                lineAtScan += CountLines(data[scan..start]);
                scan = start;
                element = new JsonLineElement(lineAtScan, default);
                state = reader.CurrentState;
                consumed = (int)reader.BytesConsumed;
                return true;
            }

            if (!JsonDocument.TryParseValue(ref reader, out var document))
            {
                // The element goes on past the buffer: resume at its start once more has been read.
                state = before;
                consumed = beforeConsumed;
                return consumed > 0;
            }

            using (document)
            {
                lineAtScan += CountLines(data[scan..start]);
                scan = start;
                element = new JsonLineElement(lineAtScan, document.RootElement.Clone());
            }

            state = reader.CurrentState;
            consumed = (int)reader.BytesConsumed;
            return true;
        }
    }

    private static int CountLines(ReadOnlySpan<byte> span) => span.Count((byte)'\n');
}
