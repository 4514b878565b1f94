using System.Diagnostics;
using System.Globalization;

namespace LazyMigrate.LoadBench;

/// <summary>
/// Memory of a process tree. <paramref name="Bytes"/> sums each process's resident set, so a page of a file that
/// several of them map (the runtime's and the framework's code, mapped by the server and by every worker) counts once
/// per process. <paramref name="SharedOnceBytes"/> counts such a page once, as a container's memory accounting does:
/// each file mapping (device, inode, offset) at the most any one process has resident of it, plus every process's
/// anonymous memory. It is a lower bound when two processes hold different pages of one mapping, exact when one
/// holds a superset (the server touches more of the framework than a worker). PSS would not do: it shares a page's
/// cost with processes outside the tree too, the bench's own driver among them.
/// </summary>
internal readonly record struct Resident(long Bytes, long SharedOnceBytes, int Processes);

/// <summary>Resident memory of a process and all its descendants (the server with its sandbox workers), from /proc.</summary>
internal static class ProcessTree
{
    public static Resident ResidentBytes(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && TryRead(Path.Combine(directory, "stat")) is { } stat)
            {
                // The command name may contain spaces and parentheses: the fields after the last ')' are plain.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        var tree = new HashSet<int> { root };
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (tree.Contains(parent) && tree.Add(pid))
                {
                    grew = true;
                }
            }
        }

        long total = 0, anonymousKb = 0;
        var fileKb = new Dictionary<string, long>();
        foreach (var pid in tree)
        {
            total += Kilobytes(TryRead($"/proc/{pid}/status"), "VmRSS:") * 1024;
            anonymousKb += ReadSmaps(TryRead($"/proc/{pid}/smaps"), fileKb);
        }

        return new Resident(total, (anonymousKb + fileKb.Values.Sum()) * 1024, tree.Count);
    }

    /// <summary>
    /// Reads one process's smaps: returns its anonymous kB (anonymous mappings, and the copied-on-write pages of file
    /// mappings) and raises each file mapping's entry in <paramref name="fileKb"/> to this process's resident kB of it.
    /// </summary>
    private static long ReadSmaps(string? smaps, Dictionary<string, long> fileKb)
    {
        long anonymous = 0;
        string? mapping = null;
        long rss = 0;
        foreach (var line in (smaps ?? "").Split('\n'))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 5 && fields[0].Contains('-', StringComparison.Ordinal) && !line.EndsWith(':'))
            {
                // A mapping's header: address range, permissions, offset, device, inode, path. Inode 0 is anonymous.
                mapping = fields[4] == "0" ? null : $"{fields[3]} {fields[4]} {fields[2]}";
            }
            else if (fields is ["Rss:", var kb, ..])
            {
                rss = long.Parse(kb, CultureInfo.InvariantCulture);
            }
            else if (fields is ["Anonymous:", var kb2, ..])
            {
                var copied = long.Parse(kb2, CultureInfo.InvariantCulture);
                if (mapping is null)
                {
                    anonymous += rss;
                }
                else
                {
                    anonymous += copied;
                    fileKb[mapping] = Math.Max(fileKb.GetValueOrDefault(mapping), rss - copied);
                }
            }
        }

        return anonymous;
    }

    /// <summary>A "Name:   123 kB" line of a /proc file, in kB; 0 when the file or the line is missing (the process ended).</summary>
    private static long Kilobytes(string? file, string name) =>
        file?.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line
            ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
            : 0;

    /// <summary>
    /// CPU time so far (user + system) of the server itself, of each of its descendants (the sandbox workers) and of
    /// each PostgreSQL process on this machine: the difference of two readings splits a run's CPU between them.
    /// </summary>
    public static CpuReading Cpu(int root)
    {
        var stats = new Dictionary<int, (int Parent, string Name, double Seconds)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && TryRead(Path.Combine(directory, "stat")) is { } stat)
            {
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // utime and stime, fields 14 and 15 of stat, in clock ticks of 1/100 s.
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                stats[pid] = (int.Parse(fields[1], CultureInfo.InvariantCulture), name, ticks / 100.0);
            }
        }

        var descendants = new Dictionary<int, double>();
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, (parent, _, seconds)) in stats)
            {
                if ((parent == root || descendants.ContainsKey(parent)) && descendants.TryAdd(pid, seconds))
                {
                    grew = true;
                }
            }
        }

        var postgres = stats.Where(s => s.Value.Name == "postgres").ToDictionary(s => s.Key, s => s.Value.Seconds);
        return new CpuReading(stats.TryGetValue(root, out var server) ? server.Seconds : 0, descendants, postgres);
    }

    /// <summary>
    /// One process's resident memory split as the kernel counts it: anonymous (the GC heap, native allocations),
    /// file-backed (mapped assemblies and libraries) and shared memory (with W^X, the runtime maps its generated code
    /// twice through shared memory).
    /// </summary>
    public static string ResidentKinds(int pid)
    {
        var status = TryRead($"/proc/{pid}/status") ?? "";
        string Field(string name) =>
            status.Split('\n').FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal)) is { } line
                ? (long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).ToString(CultureInfo.InvariantCulture) + " MiB"
                : "?";
        return $"anonymous {Field("RssAnon")}, file-backed {Field("RssFile")}, shared memory {Field("RssShmem")}";
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>One reading of <see cref="ProcessTree.Cpu"/>, in seconds.</summary>
internal sealed record CpuReading(double Server, IReadOnlyDictionary<int, double> Workers, IReadOnlyDictionary<int, double> Postgres)
{
    /// <summary>
    /// What the run between two readings cost each. A process started in between counts from zero; one that ended in
    /// between (a worker retired, a PostgreSQL backend whose connection closed) is missing from both sums.
    /// </summary>
    public string Since(CpuReading before, long requests)
    {
        var server = Server - before.Server;
        var workers = Delta(Workers, before.Workers);
        var postgres = Delta(Postgres, before.Postgres);
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU in the run: server {server:F1} s ({1000 * server / Math.Max(1, requests):F0} ms a request), sandbox workers {workers:F1} s "
            + $"({1000 * workers / Math.Max(1, requests):F0} ms a request; {WorkersStartedSince(before)} started, {Workers.Count} at the end), "
            + $"PostgreSQL {postgres:F1} s; {1000 * (server + workers + postgres) / Math.Max(1, requests):F0} ms per request");
    }

    /// <summary>Sandbox workers that are running now and were not at <paramref name="before"/>.</summary>
    public int WorkersStartedSince(CpuReading before) => Workers.Keys.Count(pid => !before.Workers.ContainsKey(pid));

    private static double Delta(IReadOnlyDictionary<int, double> after, IReadOnlyDictionary<int, double> before) =>
        after.Sum(p => p.Value - before.GetValueOrDefault(p.Key));
}

/// <summary>A child process the bench started and ends (with its own children) when disposed.</summary>
internal sealed class ChildProcess(Process process, string name) : IDisposable
{
    public int Id => process.Id;

    public static ChildProcess Start(string name, ProcessStartInfo start, string logPath)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException(name + " did not start");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, name);
    }

    public bool HasExited => process.HasExited;

    public override string ToString() => $"{name} (pid {process.Id})";

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
    }
}
