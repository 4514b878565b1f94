using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// A job's file in PostgreSQL, as <see cref="JobFileChunk"/>s of <see cref="ChunkSize"/> bytes: written while the
/// upload streams in (one chunk in memory at a time) and read back the same way by whichever node runs the job.
/// </summary>
public static class JobFiles
{
    public const int ChunkSize = 4 * 1024 * 1024;

    /// <summary>Copies <paramref name="content"/> into the job's chunks; returns the bytes written.</summary>
    public static async Task<long> WriteAsync(IServiceScopeFactory scopes, Guid jobId, Stream content, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        long total = 0;
        for (var index = 0; ; index++)
        {
            var filled = 0;
            int read;
            while (filled < buffer.Length && (read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
            }

            if (filled == 0)
            {
                return total;
            }

            // A context per chunk: nothing tracked accumulates over a gigabyte.
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
                db.JobFileChunks.Add(new JobFileChunk { JobId = jobId, Index = index, Data = buffer[..filled] });
                await db.SaveChangesAsync(cancellationToken);
            }

            total += filled;
            if (filled < buffer.Length)
            {
                return total;
            }
        }
    }

    public static Stream Open(IServiceScopeFactory scopes, Guid jobId) => new ChunkStream(scopes, jobId);

    /// <summary>Reads the chunks in order, loading the next one when the current is used up.</summary>
    private sealed class ChunkStream(IServiceScopeFactory scopes, Guid jobId) : Stream
    {
        private byte[]? _chunk = [];
        private int _offset;
        private int _next;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_chunk is not null && _offset == _chunk.Length)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
                var index = _next++;
                _chunk = await db.JobFileChunks.AsNoTracking().Where(c => c.JobId == jobId && c.Index == index)
                    .Select(c => c.Data).SingleOrDefaultAsync(cancellationToken);
                _offset = 0;
            }

            if (_chunk is null)
            {
                return 0;
            }

            var count = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // The readers are asynchronous throughout; a synchronous read would block a thread on the database.
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
