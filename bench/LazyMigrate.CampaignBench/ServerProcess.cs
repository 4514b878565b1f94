using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace LazyMigrate.CampaignBench;

/// <summary>The Release server in its own process (it starts its sandbox workers as children), ended with them when disposed.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public static ServerProcess Start(string root, Uri url, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var project = Path.Combine(root, "src", "LazyMigrate.Server");
        var dll = Path.Combine(project, "bin", "Release", "net10.0", "LazyMigrate.Server.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build in Release first (bench/campaign/run.sh does).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = project,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = url.AbsoluteUri.TrimEnd('/');
        start.Environment["LazyMigrate__Issuer"] = url.AbsoluteUri.TrimEnd('/');
        start.Environment["LazyMigrate__AllowHttp"] = "true";
        start.Environment["Serilog__MinimumLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("the server did not start");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process, log);
    }

    public async Task WaitReadyAsync(Uri url)
    {
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server (pid {Id}) exited during start-up: see its log.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(url, "health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the server did not answer {url}health/ready within 5 minutes.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                if (log.BaseStream.CanWrite)
                {
                    log.WriteLine(line);
                }
            }
        }
    }
}

/// <summary>
/// Samples, once a second, the resident memory of a process and its descendants (the server and its sandbox
/// workers) from /proc: the largest sum of VmRSS seen, and each process's own high-water mark (VmHWM).
/// </summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly int _root;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Dictionary<int, (string Name, long Hwm)> _highWater = [];

    public MemorySampler(int root)
    {
        _root = root;
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Sample();
                try
                {
                    await Task.Delay(1000, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    public long PeakTreeRss { get; private set; }

    public int PeakProcesses { get; private set; }

    public long ServerHwm => _highWater.TryGetValue(_root, out var s) ? s.Hwm : 0;

    /// <summary>The largest VmHWM among the sandbox workers (every descendant but the server itself).</summary>
    public long WorkerHwm => _highWater.Where(p => p.Key != _root).Select(p => p.Value.Hwm).DefaultIfEmpty(0).Max();

    public int WorkersSeen => _highWater.Count - 1;

    public (long Rss, int Processes) Now() => Sample();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private (long Rss, int Processes) Sample()
    {
        lock (_highWater)
        {
            return SampleLocked();
        }
    }

    private (long Rss, int Processes) SampleLocked()
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && TryRead(Path.Combine(directory, "stat")) is { } stat)
            {
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        var tree = new HashSet<int> { _root };
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
            if (TryRead($"/proc/{pid}/status") is not { } status)
            {
                continue;
            }

            var rss = Kilobytes(status, "VmRSS:");
            var hwm = Kilobytes(status, "VmHWM:");
            total += rss;
            var name = status.Split('\n')[0].Replace("Name:", "", StringComparison.Ordinal).Trim();
            _highWater[pid] = (name, Math.Max(hwm, _highWater.TryGetValue(pid, out var seen) ? seen.Hwm : 0));
        }

        if (total > PeakTreeRss)
        {
            PeakTreeRss = total;
            PeakProcesses = tree.Count;
        }

        return (total, tree.Count);
    }

    private static long Kilobytes(string status, string field)
    {
        var line = status.Split('\n').FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
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
