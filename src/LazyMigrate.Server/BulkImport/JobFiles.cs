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

            // The buffer itself is sent (its filled part), not a copy of it per chunk on the large-object heap.
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
                var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
                await db.Database.OpenConnectionAsync(cancellationToken);
                try
                {
                    await using var command = new Npgsql.NpgsqlCommand(
                        """INSERT INTO "JobFileChunks" ("JobId", "Index", "Data") VALUES (@job, @index, @data)""", connection);
                    command.Parameters.AddWithValue("job", jobId);
                    command.Parameters.AddWithValue("index", index);
                    command.Parameters.Add(new Npgsql.NpgsqlParameter<ReadOnlyMemory<byte>>("data", buffer.AsMemory(0, filled)) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            }

            total += filled;
            if (filled < buffer.Length)
            {
                return total;
            }
        }
    }

    public static Stream Open(IServiceScopeFactory scopes, Guid jobId) => new ChunkStream(scopes, jobId);

    /// <summary>
    /// Reads the chunks in order, loading the next one when the current is used up, into one buffer kept for the whole
    /// file: each chunk read as a new array would be another 4 MB on the large-object heap, which only a full
    /// collection returns, and a file of gigabytes would grow the process by hundreds of them between collections.
    /// </summary>
    private sealed class ChunkStream(IServiceScopeFactory scopes, Guid jobId) : Stream
    {
        private byte[] _chunk = [];
        private int _length;
        private int _offset;
        private int _next;
        private bool _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (!_ended && _offset == _length)
            {
                await LoadAsync(_next++, cancellationToken);
            }

            if (_ended)
            {
                return 0;
            }

            var count = Math.Min(buffer.Length, _length - _offset);
            _chunk.AsMemory(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        /// <summary>Chunk <paramref name="index"/> into the buffer, streamed from the row (sequential access: Npgsql holds no copy of its own).</summary>
        private async Task LoadAsync(int index, CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LazyMigrateDbContext>();
            var connection = (Npgsql.NpgsqlConnection)db.Database.GetDbConnection();
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await using var command = new Npgsql.NpgsqlCommand("""SELECT "Data" FROM "JobFileChunks" WHERE "JobId" = @job AND "Index" = @index""", connection);
                command.Parameters.AddWithValue("job", jobId);
                command.Parameters.AddWithValue("index", index);
                await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
                _offset = 0;
                _length = 0;
                if (!await reader.ReadAsync(cancellationToken))
                {
                    _ended = true;
                    return;
                }

                await using var data = await reader.GetStreamAsync(0, cancellationToken);
                while (true)
                {
                    if (_length == _chunk.Length)
                    {
                        // Sized once for the chunks this server writes; a larger one (another setting) grows it.
                        Array.Resize(ref _chunk, Math.Max(ChunkSize, _chunk.Length * 2));
                    }

                    var read = await data.ReadAsync(_chunk.AsMemory(_length), cancellationToken);
                    if (read == 0)
                    {
                        break;
                    }

                    _length += read;
                }
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
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
