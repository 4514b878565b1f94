namespace LazyMigrate.Scripting.Workers;

/// <summary>How the server runs its pool of sandbox worker processes (configuration section <c>LazyMigrate:Sandbox</c>).</summary>
public sealed class SandboxOptions
{
    /// <summary>
    /// The worker: LazyMigrate.Sandbox.dll (run with this process's own dotnet host) or a native executable. Default:
    /// <c>sandbox/LazyMigrate.Sandbox.dll</c> next to the running application, where the build puts it.
    /// </summary>
    public string? WorkerPath { get; set; }

    /// <summary>
    /// Workers at most, so calls at once across every connection; further calls wait within their deadline. One per
    /// core by default (at least 2): a login call is mostly the legacy hash's verification, CPU-bound, so more workers
    /// than cores run no more calls at once, while each started one costs about 1.5 s of CPU and 75 MB (on 2 cores,
    /// 4 workers took the first sign-ins to 0.56 of their cryptography's bound, 2 to 0.82; bench/README.md, "Load").
    /// Raise it for a legacy system whose calls mostly wait, such as a slow HTTP API.
    /// </summary>
    public int MaxWorkers { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Workers started ahead of demand (and restarted when one exits), so a login never waits for a start.</summary>
    public int WarmWorkers { get; set; } = 1;

    /// <summary>
    /// Start the warm workers with the server. Off by default: a worker is about 75 MB held from start-up on, so the
    /// server starts them when first needed instead, in the background (the sign-in page's first view, while the
    /// person types, or the first script call).
    /// </summary>
    public bool WarmOnStart { get; set; }

    /// <summary>
    /// Workers started for a burst of calls are retired once the pool has needed fewer of them for this long, down to
    /// <see cref="WarmWorkers"/>: a worker is about 75 MB of resident memory however little it does. Zero keeps them.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A worker is replaced after this many calls.</summary>
    public int MaxCallsPerWorker { get; set; } = 10_000;

    /// <summary>A worker is replaced once its resident memory passes this many MB after a call.</summary>
    public int MaxWorkerMemoryMB { get; set; } = 384;

    /// <summary>The worker's GC heap hard limit (DOTNET_GCHeapHardLimit): past it an allocation fails inside the worker.</summary>
    public int HeapHardLimitMB { get; set; } = 512;

    /// <summary>How long past a call's deadline the worker has to answer before it is killed.</summary>
    public TimeSpan KillGrace { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a starting worker has to report ready (a start is about 2 s of CPU on a loaded 2-core machine).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public static string DefaultWorkerPath => Path.Combine(AppContext.BaseDirectory, "sandbox", "LazyMigrate.Sandbox.dll");
}
