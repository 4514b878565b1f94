using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Jobs;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// An import job's work: counts the source's rows once (for progress), checks the verification samples before
/// anything is written, then writes the source page by page from the checkpoint, at the job's rate, until the
/// source ends or the job stops being this node's.
/// </summary>
public sealed class UserImportWork(
    IServiceProvider services,
    BulkUserWriter writer,
    LazyMigrateDbContext db,
    ILookupNormalizer normalizer,
    IDataProtectionProvider protection,
    ImportMetrics metrics,
    TimeProvider time,
    ILogger<UserImportWork> logger) : IJobWork
{
    public const string VerifyPurpose = "LazyMigrate.BulkImport.Verify.v1";

    public async Task RunAsync(Job job, CancellationToken cancellationToken)
    {
        var options = ImportJobOptions.Read(job.Options);
        if (!options.UploadComplete)
        {
            throw new JobFailedException("The file's upload did not complete; start a new import with the whole file.");
        }

        var source = (services.GetKeyedService<IUserSourceFactory>(job.Source)
            ?? throw new JobFailedException($"This server has no '{job.Source}' import source.")).Create(job);

        if (job.Total is null && await source.CountAsync(cancellationToken) is { } total)
        {
            job.Total = total;
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(set => set.SetProperty(j => j.Total, total), cancellationToken);
        }

        if (job.Checkpoint is null && options.Verify is { Count: > 0 } samples)
        {
            await VerifyAsync(source, samples, cancellationToken);
            // Checked: the passwords are not kept a moment longer than needed.
            job.Options = (options with { Verify = null }).Serialize();
            await db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(set => set.SetProperty(j => j.Options, job.Options), cancellationToken);
        }

        var started = time.GetTimestamp();
        long written = 0;
        await foreach (var page in source.ReadAsync(job.Checkpoint, cancellationToken))
        {
            if (options.Rate is { } rate)
            {
                // Paced over the whole run, not per page: a slow page is not followed by a burst beyond the rate.
                var due = TimeSpan.FromSeconds((double)written / rate) - time.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken);
                }
            }

            if (await writer.WriteAsync(job, page, cancellationToken) is not { } outcome)
            {
                logger.LogInformation("Import job {JobId} stops: it is no longer running on this node", job.Id);
                return;
            }

            metrics.Written(job.Connection, job.Source, outcome);

            written += page.Rows.Count;
            job.Checkpoint = page.Checkpoint;
        }
    }

    /// <summary>Finds each sample's row and checks its hash against the sample's password; the first mismatch fails the job.</summary>
    private async Task VerifyAsync(IUserSource source, List<VerifySample> samples, CancellationToken cancellationToken)
    {
        var protector = protection.CreateProtector(VerifyPurpose);
        var wanted = samples.ToDictionary(s => normalizer.NormalizeEmail(s.Email)!, s => s, StringComparer.Ordinal);
        await foreach (var page in source.ReadAsync(null, cancellationToken))
        {
            foreach (var row in page.Rows)
            {
                if (row.Profile?.Email is not { } email || !wanted.Remove(normalizer.NormalizeEmail(email)!, out var sample))
                {
                    continue;
                }

                if (row.Refusal is { } refusal)
                {
                    throw new JobFailedException($"Verification failed for {sample.Email} ({row.Position}): the row is refused ({refusal.Reason}: {refusal.Detail}).");
                }

                if (row.PasswordHash is not { } hash)
                {
                    throw new JobFailedException($"Verification failed for {sample.Email} ({row.Position}): the row has no password hash.");
                }

                bool verified;
                try
                {
                    verified = LegacyPasswordVerifier.Verify(protector.Unprotect(sample.ProtectedPassword), hash);
                }
                catch (LegacyHashFormatException ex)
                {
                    throw new JobFailedException($"Verification failed for {sample.Email} ({row.Position}): {ex.Message}.");
                }

                if (!verified)
                {
                    throw new JobFailedException($"Verification failed for {sample.Email} ({row.Position}): the password does not verify against its " +
                        $"{hash.Format} hash. Check the hash's encoding, salt and parameters; no user was written.");
                }
            }

            if (wanted.Count == 0)
            {
                return;
            }
        }

        throw new JobFailedException($"Verification failed: no row has the address {string.Join(", ", wanted.Values.Select(s => s.Email))}; no user was written.");
    }
}
