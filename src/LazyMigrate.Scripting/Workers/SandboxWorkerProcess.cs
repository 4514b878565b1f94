using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LazyMigrate.Scripting.Sandbox;
using Microsoft.Extensions.Logging;

namespace LazyMigrate.Scripting.Workers;

/// <summary>
/// One worker process as the server sees it: started with a clean environment and hard runtime limits, spoken to
/// over its stdin/stdout, its stderr kept for the reason it died. Takes one call at a time.
/// </summary>
internal sealed class SandboxWorkerProcess : IDisposable
{
    private const int StderrLinesKept = 8;

    /// <summary>
    /// All the child gets from our environment: certificate locations and the time zone (harmless, needed for TLS to
    /// a legacy database and for dates). Never connection strings, keys or anything else the server was given.
    /// </summary>
    private static readonly string[] PassedThrough = ["SSL_CERT_FILE", "SSL_CERT_DIR", "TZ", "LANG", "LC_ALL"];

    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _stderr = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource<WorkerMessage>? _pending;
    private long _pendingId;
    private ScriptLogCollector? _redactor;
    private int _killed;
    private string? _exitDescription;

    private SandboxWorkerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
    }

    public int ProcessId { get; private set; }

    public int Calls { get; set; }

    public long WorkingSetBytes { get; private set; }

    /// <summary>Completes when the worker's stdout ends: it exited, crashed or was killed.</summary>
    public Task Exited => _exited.Task;

    public bool IsAlive => !_exited.Task.IsCompleted;

    public bool WasKilled => Volatile.Read(ref _killed) != 0;

    public static async Task<SandboxWorkerProcess> StartAsync(SandboxOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(options.WorkerPath ?? SandboxOptions.DefaultWorkerPath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the sandbox worker was not found at {path} (setting LazyMigrate:Sandbox:WorkerPath)", path);
        }

        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = Path.GetDirectoryName(path)!,
        };
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            start.FileName = DotnetHost();
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(path);
        }
        else
        {
            start.FileName = path;
        }

        // Security: a clean environment. The server's own settings (database password, admin bootstrap, client
        // secrets, Data Protection) often arrive as environment variables; a script must not be able to reach them.
        start.Environment.Clear();
        foreach (var name in PassedThrough)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                start.Environment[name] = value;
            }
        }

        // Hard limits the runtime enforces whatever a script does; no diagnostics IPC endpoint for anyone to attach to.
        start.Environment["DOTNET_GCHeapHardLimit"] = ((long)options.HeapHardLimitMB * 1024 * 1024).ToString("X", CultureInfo.InvariantCulture);
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["DOTNET_EnableDiagnostics"] = "0";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } root)
        {
            start.Environment["DOTNET_ROOT"] = root;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new SandboxWorkerProcess(process, logger);
        process.ErrorDataReceived += (_, e) => worker.OnStderr(e.Data);
        process.Start();
        worker.ProcessId = process.Id;
        process.BeginErrorReadLine();
        _ = worker.ReadLoopAsync();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        try
        {
            await worker._ready.Task.WaitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            worker.Kill();
            var reason = await worker.DescribeExitAsync();
            worker.Dispose();
            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new InvalidOperationException($"the sandbox worker did not start: {reason}", ex);
        }

        return worker;
    }

    /// <summary>
    /// Sends one call and waits for its reply. Throws <see cref="SandboxWorkerExitedException"/> when the worker dies
    /// first, and <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires first.
    /// </summary>
    public async Task<WorkerMessage> CallAsync(WorkerRequest request, ScriptLogCollector redactor, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<WorkerMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pending = reply;
            _pendingId = request.Id;
            _redactor = redactor;
        }

        if (!IsAlive)
        {
            reply.TrySetException(new SandboxWorkerExitedException());
        }

        try
        {
            await WorkerProtocol.WriteAsync(_process.StandardInput.BaseStream, WorkerProtocol.Serialize(request), CancellationToken.None);
        }
        catch (IOException)
        {
            // The worker is gone; the read loop reports it.
        }

        return await reply.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits for the reply of a call whose caller stopped waiting (the worker is still busy with it).</summary>
    public Task<WorkerMessage>? Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending?.Task;
            }
        }
    }

    public async Task CancelAsync(long id)
    {
        try
        {
            await WorkerProtocol.WriteAsync(_process.StandardInput.BaseStream, WorkerProtocol.Serialize(new WorkerRequest { Id = id, Cancel = true }), CancellationToken.None);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // Gone already.
        }
    }

    public void Kill()
    {
        Interlocked.Exchange(ref _killed, 1);
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Exited already.
        }
    }

    /// <summary>Why the worker stopped, for the admin: exit code or signal and the first line it wrote to stderr.</summary>
    public async Task<string> DescribeExitAsync()
    {
        await _exited.Task;
        return _exitDescription ?? "it stopped";
    }

    private async Task<string> WaitForExitAsync()
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            // Also waits for stderr to be read to its end, so the reason is there.
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            return "it stopped answering";
        }

        var code = _process.ExitCode;
        var signal = code > 128 && !RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? $" (signal {code - 128})" : "";
        string[] lines;
        lock (_stderr)
        {
            lines = [.. _stderr];
        }

        var said = lines.FirstOrDefault(line => line.Trim().Length > 0)?.Trim();
        return said is null ? $"exit code {code}{signal}" : $"exit code {code}{signal}: {said}";
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // Gone already.
        }

        _process.Dispose();
    }

    private void OnStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            if (_stderr.Count < StderrLinesKept)
            {
                _stderr.Add(line.Length > 500 ? line[..500] : line);
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var stdout = _process.StandardOutput.BaseStream;
        Exception? failure = null;
        try
        {
            while (await WorkerProtocol.ReadAsync(stdout, CancellationToken.None) is { } frame)
            {
                var message = WorkerProtocol.ReadMessage(frame);
                switch (message.Type)
                {
                    case WorkerMessageType.Ready:
                        WorkingSetBytes = message.WorkingSetBytes;
                        _ready.TrySetResult();
                        break;
                    case WorkerMessageType.Log:
                        Log(message);
                        break;
                    case WorkerMessageType.Reply:
                        WorkingSetBytes = message.WorkingSetBytes;
                        TaskCompletionSource<WorkerMessage>? pending;
                        lock (_gate)
                        {
                            pending = message.Id == _pendingId ? _pending : null;
                            if (pending is not null)
                            {
                                _pending = null;
                                _redactor = null;
                            }
                        }

                        pending?.TrySetResult(message);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException or ObjectDisposedException)
        {
            // A broken or oversized frame: the worker cannot be trusted to be in step any more.
            failure = ex;
            Kill();
        }

        if (failure is not null)
        {
            _logger.LogWarning(failure, "Sandbox worker {ProcessId} broke the protocol and was stopped", ProcessId);
        }

        try
        {
            _exitDescription = await WaitForExitAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _exitDescription = "it exited";
        }

        _exited.TrySetResult();
        _ready.TrySetException(new InvalidOperationException("the worker exited before it was ready"));
        TaskCompletionSource<WorkerMessage>? orphan;
        lock (_gate)
        {
            orphan = _pending;
            _pending = null;
        }

        orphan?.TrySetException(new SandboxWorkerExitedException());
    }

    private void Log(WorkerMessage message)
    {
        ScriptLogCollector? redactor;
        lock (_gate)
        {
            redactor = _redactor;
        }

        // The worker's lines pass the same redaction as the call's own log: the password and the secret settings.
        var text = message.Message ?? "";
        text = redactor?.Redact(text) ?? text;
        var level = Enum.IsDefined((LogLevel)message.LogLevel) ? (LogLevel)message.LogLevel : LogLevel.Information;
        _logger.Log(level, "Sandbox worker {ProcessId}: {Message}", ProcessId, text);
    }

    /// <summary>The dotnet host running this process, so the worker runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        // An apphost or a test host: the runtime directory is <root>/shared/Microsoft.NETCore.App/<version>/.
        var runtime = RuntimeEnvironment.GetRuntimeDirectory();
        var root = Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
        var candidate = Path.Combine(root, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}

/// <summary>The worker running a call died before answering.</summary>
internal sealed class SandboxWorkerExitedException() : Exception("the sandbox worker exited");
