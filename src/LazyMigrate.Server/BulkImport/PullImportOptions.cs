namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// How a pull import rides out a failing legacy system (<c>LazyMigrate:PullImport</c>): retries of a page with
/// exponential backoff, long enough by default to outlast an open circuit breaker (30 s).
/// </summary>
public sealed class PullImportOptions
{
    public int Retries { get; set; } = 6;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);
}
