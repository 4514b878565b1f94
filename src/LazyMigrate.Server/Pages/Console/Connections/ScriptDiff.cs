namespace LazyMigrate.Server.Pages.Console.Connections;

public enum DiffKind
{
    Same,
    Removed,
    Added,
}

/// <summary>One line of a diff, with its number in the old and in the new text (null where it has none).</summary>
public sealed record DiffLine(DiffKind Kind, string Text, int? OldNumber, int? NewNumber);

/// <summary>
/// A line diff of two versions of a script: the common start and end are skipped, the rest is a longest common
/// subsequence. Scripts are at most 256 KB; past <see cref="MaxCells"/> the middle is shown as removed then added.
/// </summary>
public static class ScriptDiff
{
    private const long MaxCells = 4_000_000;

    public static IReadOnlyList<DiffLine> Compare(string older, string newer)
    {
        var a = Split(older);
        var b = Split(newer);
        var start = 0;
        while (start < a.Length && start < b.Length && a[start] == b[start])
        {
            start++;
        }

        var endA = a.Length;
        var endB = b.Length;
        while (endA > start && endB > start && a[endA - 1] == b[endB - 1])
        {
            endA--;
            endB--;
        }

        var lines = new List<DiffLine>(Math.Max(a.Length, b.Length));
        for (var i = 0; i < start; i++)
        {
            lines.Add(new DiffLine(DiffKind.Same, a[i], i + 1, i + 1));
        }

        Middle(a, start, endA, b, start, endB, lines);
        for (int i = endA, j = endB; i < a.Length; i++, j++)
        {
            lines.Add(new DiffLine(DiffKind.Same, a[i], i + 1, j + 1));
        }

        return lines;
    }

    private static void Middle(string[] a, int fromA, int toA, string[] b, int fromB, int toB, List<DiffLine> lines)
    {
        int n = toA - fromA, m = toB - fromB;
        if ((long)n * m > MaxCells)
        {
            for (var i = fromA; i < toA; i++) lines.Add(new DiffLine(DiffKind.Removed, a[i], i + 1, null));
            for (var j = fromB; j < toB; j++) lines.Add(new DiffLine(DiffKind.Added, b[j], null, j + 1));
            return;
        }

        // common[i, j]: length of the longest common subsequence of a[i..] and b[j..].
        var common = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            for (var j = m - 1; j >= 0; j--)
            {
                common[i, j] = a[fromA + i] == b[fromB + j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[fromA + x] == b[fromB + y])
            {
                lines.Add(new DiffLine(DiffKind.Same, a[fromA + x], fromA + x + 1, fromB + y + 1));
                x++;
                y++;
            }
            else if (x < n && (y == m || common[x + 1, y] >= common[x, y + 1]))
            {
                // Removed lines before added ones, as a unified diff shows them.
                lines.Add(new DiffLine(DiffKind.Removed, a[fromA + x], fromA + x + 1, null));
                x++;
            }
            else
            {
                lines.Add(new DiffLine(DiffKind.Added, b[fromB + y], null, fromB + y + 1));
                y++;
            }
        }
    }

    private static string[] Split(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
}
