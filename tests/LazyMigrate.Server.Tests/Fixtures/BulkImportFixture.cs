using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>The management API server with jobs polled often, so a test waits for its import as little as possible.</summary>
public class BulkImportFixture : ManagementApiFixture
{
    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        settings["LazyMigrate:Jobs:PollInterval"] = "00:00:00.100";
        settings["LazyMigrate:Jobs:LeaseDuration"] = "00:00:03";
    }
}

/// <summary>Starting and following import jobs over the API, as a client would.</summary>
public static class ImportJobsApi
{
    /// <summary>Uploads <paramref name="file"/> with the given fields (sent before it, as the API requires); returns the answer.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(this HttpClient api, string file, string connection = "legacy",
        IEnumerable<KeyValuePair<string, string>>? fields = null, string fileName = "users.json")
    {
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(connection), "connection");
        foreach (var (name, value) in fields ?? [])
        {
            form.Add(new StringContent(value), name);
        }

        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(file)), "users", fileName);
        return await api.PostAsync("/api/v1/jobs/users-imports", form, TestContext.Current.CancellationToken);
    }

    /// <summary>Uploads and returns the new job's id (asserting 202).</summary>
    public static async Task<Guid> StartImportAsync(this HttpClient api, string file, IEnumerable<KeyValuePair<string, string>>? fields = null)
    {
        using var response = await api.UploadAsync(file, fields: fields);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> JobAsync(this HttpClient api, Guid id) =>
        await api.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{id}", TestContext.Current.CancellationToken);

    /// <summary>Waits until the job has ended (completed, failed or cancelled) and returns it.</summary>
    public static Task<JsonElement> WaitForEndAsync(this HttpClient api, Guid id, TimeSpan? bound = null) =>
        Wait.ForAsync(() => api.JobAsync(id), job => job.GetProperty("state").GetString() is "Completed" or "Failed" or "Cancelled",
            bound ?? TimeSpan.FromMinutes(3));

    public static long Count(this JsonElement job, string name) => job.GetProperty("counts").GetProperty(name).GetInt64();
}
