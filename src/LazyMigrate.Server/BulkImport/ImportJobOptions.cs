using System.Text.Json;
using System.Text.Json.Serialization;

namespace LazyMigrate.Server.BulkImport;

/// <summary>
/// An import job's options, kept as the job's <c>Options</c> (jsonb); the API never returns them. The verification
/// samples are not among them: they are checked while the upload's request is still open, and never stored.
/// </summary>
public sealed record ImportJobOptions
{
    public const int DefaultPageSize = 1000;
    public const int MaxPageSize = 5000;
    public const int MaxRate = 1_000_000;
    public const int MaxVerify = 10;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Users per second at most (null: as fast as the database takes them).</summary>
    public int? Rate { get; init; }

    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>CSV: which header holds which field.</summary>
    public Dictionary<string, string>? Columns { get; init; }

    /// <summary>False while the file is still being received: such a job (its node died mid-upload) fails rather than import half a file.</summary>
    public bool UploadComplete { get; init; } = true;

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    public static ImportJobOptions Read(string? json) =>
        json is null ? new ImportJobOptions() : JsonSerializer.Deserialize<ImportJobOptions>(json, Json) ?? new ImportJobOptions();
}
