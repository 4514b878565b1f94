using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using LazyMigrate.Testing;

namespace LazyMigrate.Server.Tests.Fixtures;

/// <summary>
/// A server whose connection has a name of its own (so no other test class's traffic shares its series) after a real
/// lazy migration (a sign-in through the login form), a failed sign-in of an unknown address and a small file import.
/// </summary>
public sealed class DomainMetricsFixture : BulkImportFixture
{
    public string Connection { get; } = "metrics" + Guid.NewGuid().ToString("N")[..10];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var user = await Legacy.AddUserAsync("Metrics-Sign-In-Password-1");
        var signedIn = await LogInAsync(user.Email, user.Password);
        Assert.False(signedIn.IsLogin, "the legacy user should have been signed in and migrated");
        var unknown = await LogInAsync($"nobody-{Guid.NewGuid():N}@legacy.example", "Not-A-Password-At-All");
        Assert.True(unknown.IsLogin);

        using var api = await ApiAsync();
        var users = SampleUserFiles.Users(3, Guid.NewGuid().ToString("N")[..12]);
        using var upload = await api.UploadAsync(SampleUserFiles.JsonLines(users), Connection, fileName: "users.jsonl");
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var id = (await upload.JsonAsync()).GetProperty("id").GetGuid();
        var job = await api.WaitForEndAsync(id);
        Assert.Equal("Completed", job.GetProperty("state").GetString());
    }

    // Counting and tracing are checked here, not deadlines: a first call on a busy machine must not time out.
    protected override TimeSpan Timeout => TimeSpan.FromSeconds(30);

    protected override void ConfigureSettings(Dictionary<string, string?> settings)
    {
        base.ConfigureSettings(settings);
        settings["LazyMigrate:Connections:0:Name"] = Connection;
    }

    /// <summary>
    /// /metrics once it holds the import's rows (the exporter answers a scrape from a short cache, so a series recorded
    /// a moment ago may need another scrape).
    /// </summary>
    public Task<PrometheusText> ScrapeAsync() => Wait.ForAsync(
        async () => PrometheusText.Parse(await Server.CreateClient().GetStringAsync("/metrics", TestContext.Current.CancellationToken)),
        metrics => metrics.Value("lazymigrate_import_rows_total", ("connection", Connection), ("outcome", "imported")) is >= 3,
        TimeSpan.FromSeconds(30));
}

/// <summary>A scrape in the Prometheus text format: its raw text and each sample by name and labels.</summary>
public sealed partial class PrometheusText
{
    private PrometheusText(string text, IReadOnlyList<Sample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (SampleLine().Match(line) is not { Success: true } match)
            {
                continue;
            }

            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(pair => pair.Groups["name"].Value, pair => Regex.Unescape(pair.Groups["value"].Value), StringComparer.Ordinal);
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(match.Groups["name"].Value, labels, value));
        }

        return new PrometheusText(text, samples);
    }

    /// <summary>The samples of <paramref name="name"/> whose labels include all of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var value) && value == l.Value));

    /// <summary>The one such sample's value; null when there is none.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels) =>
        Find(name, labels).Select(s => (double?)s.Value).SingleOrDefault();

    /// <summary>Every metric family named in the scrape (from its samples: a histogram's _bucket, _sum and _count too).</summary>
    public IReadOnlySet<string> Names => Samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?\s*$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(""""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)"""")]
    private static partial Regex LabelPair();

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}

/// <summary>Prometheus' own checker: <c>LAZYMIGRATE_PROMTOOL</c>, or <c>promtool</c> on the PATH (Debian's prometheus package; test.sh provides it).</summary>
public static class Promtool
{
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string text)
    {
        var promtool = Environment.GetEnvironmentVariable("LAZYMIGRATE_PROMTOOL") is { Length: > 0 } configured ? configured : "promtool";
        var start = new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("promtool was not found: install Debian's prometheus package, or set LAZYMIGRATE_PROMTOOL (./test.sh does)", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.StandardInput.WriteAsync(text);
            process.StandardInput.Close();
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, await output + await errors);
        }
    }
}
