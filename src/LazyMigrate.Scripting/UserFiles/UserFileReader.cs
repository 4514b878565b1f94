using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using nietras.SeparatedValues;

namespace LazyMigrate.Scripting.UserFiles;

/// <summary>
/// Reads the users of an import file, streamed: a row at a time, in memory bounded by the largest row, whatever the
/// file's size. Every row has its line as <see cref="ImportRow.Position"/>; a bad row is refused with its reason and
/// the rest go on. Only a file that is not of its format at all (a JSON array broken in the middle) stops the read,
/// with the line where it broke. Used by the server's import jobs and by the command line's offline check.
/// </summary>
public static class UserFileReader
{
    /// <param name="skip">Rows already read (a job's checkpoint): they are parsed past, not returned.</param>
    public static async IAsyncEnumerable<ImportRow> ReadAsync(Stream stream, UserFileFormat format, CsvColumns? columns = null, long skip = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long index = 0;
        switch (format)
        {
            case UserFileFormat.Auth0:
                await foreach (var element in JsonElementStream.ReadAsync(stream, null, null, values: true, cancellationToken))
                {
                    if (index++ >= skip)
                    {
                        yield return UserRows.FromAuth0(Line(element.Line), element.Element);
                    }
                }

                break;
            case UserFileFormat.FusionAuth:
                var defaults = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
                await foreach (var element in JsonElementStream.ReadAsync(stream, "users", (name, value) => defaults[name] = value, values: true, cancellationToken))
                {
                    if (index++ >= skip)
                    {
                        yield return UserRows.FromFusionAuth(Line(element.Line), element.Element, defaults);
                    }
                }

                break;
            case UserFileFormat.JsonLines:
                using (var text = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024, leaveOpen: true))
                {
                    long line = 0;
                    while (await text.ReadLineAsync(cancellationToken) is { } content)
                    {
                        line++;
                        if (string.IsNullOrWhiteSpace(content) || index++ < skip)
                        {
                            continue;
                        }

                        yield return JsonLine(Line(line), content);
                    }
                }

                break;
            default:
                using (var reader = await new SepReaderOptions(null) { HasHeader = true, Unescape = true, DisableColCountCheck = true }
                    .FromAsync(stream, leaveOpen: true, cancellationToken))
                {
                    var header = CsvHeader.Of(reader.Header, columns ?? new CsvColumns());
                    while (await reader.MoveNextAsync(cancellationToken))
                    {
                        if (index++ >= skip)
                        {
                            yield return header.Row(reader.Current);
                        }
                    }
                }

                break;
        }
    }

    /// <summary>How many rows the file holds: a pass over it without building the rows (for a job's progress).</summary>
    public static async Task<long> CountAsync(Stream stream, UserFileFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long count = 0;
        switch (format)
        {
            case UserFileFormat.Auth0 or UserFileFormat.FusionAuth:
                await foreach (var _ in JsonElementStream.ReadAsync(stream, format == UserFileFormat.Auth0 ? null : "users", null, values: false, cancellationToken))
                {
                    count++;
                }

                return count;
            case UserFileFormat.JsonLines:
                using (var text = new StreamReader(stream, Encoding.UTF8, true, 64 * 1024, leaveOpen: true))
                {
                    while (await text.ReadLineAsync(cancellationToken) is { } content)
                    {
                        count += string.IsNullOrWhiteSpace(content) ? 0 : 1;
                    }
                }

                return count;
            default:
                using (var reader = await new SepReaderOptions(null) { HasHeader = true, DisableColCountCheck = true }.FromAsync(stream, leaveOpen: true, cancellationToken))
                {
                    while (await reader.MoveNextAsync(cancellationToken))
                    {
                        count++;
                    }
                }

                return count;
        }
    }

    private static string Line(long line) => "line " + line.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static ImportRow JsonLine(string position, string content)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(content);
        }
        catch (JsonException)
        {
            return UserRows.Refused(position, "InvalidJson", "the line is not a JSON object");
        }

        using (document)
        {
            return UserRows.FromAuth0(position, document.RootElement);
        }
    }

    /// <summary>The header's columns for each field, found once per file.</summary>
    private sealed class CsvHeader
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private int _count;

        public static CsvHeader Of(SepReaderHeader header, CsvColumns columns)
        {
            var result = new CsvHeader { _count = header.ColNames.Count };
            foreach (var field in CsvColumns.Fields)
            {
                if (header.TryIndexOf(columns.HeaderOf(field), out var i))
                {
                    result._index[field] = i;
                }
            }

            if (!result._index.ContainsKey("email") && !result._index.ContainsKey("username"))
            {
                throw new InvalidDataException($"the CSV header has no '{columns.HeaderOf("email")}' or '{columns.HeaderOf("username")}' column");
            }

            return result;
        }

        public ImportRow Row(SepReader.Row row)
        {
            var position = Line(row.LineNumberFrom);
            if (row.ColCount != _count)
            {
                return UserRows.Refused(position, "InvalidRow", $"the row has {row.ColCount} columns, the header {_count}");
            }

            var cells = new Dictionary<string, string?>(_index.Count, StringComparer.Ordinal);
            foreach (var (field, i) in _index)
            {
                var value = row[i].ToString();
                cells[field] = value.Length == 0 ? null : value;
            }

            return UserRows.FromCsv(position, field => cells.GetValueOrDefault(field));
        }
    }
}
