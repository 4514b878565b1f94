using System.Diagnostics;
using System.Globalization;

namespace LazyMigrate.LoadBench;

/// <summary>Resident memory of a process and all its descendants (the server with its sandbox workers), from /proc.</summary>
internal static class ProcessTree
{
    public static (long Bytes, int Processes) ResidentBytes(int root)
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

        long total = 0;
        foreach (var pid in tree)
        {
            if (TryRead($"/proc/{pid}/status") is { } status)
            {
                var line = status.Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null)
                {
                    total += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        return (total, tree.Count);
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
