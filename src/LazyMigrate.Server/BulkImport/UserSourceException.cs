namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// A source that cannot go on (its script keeps failing, its connection is gone, its checkpoint is not its own). The
/// message is for the administrator and becomes the job's <see cref="Jobs.Job.Error"/>: it never holds a password
/// or a hash.
/// </summary>
public sealed class UserSourceException : Exception
{
    public UserSourceException()
    {
    }

    public UserSourceException(string message)
        : base(message)
    {
    }

    public UserSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
