using System.Diagnostics;
using System.Text.Json.Nodes;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Management;

/// <summary>
/// The served OpenAPI document passes Redocly's <c>recommended</c> and Spectral's <c>spectral:oas</c> rulesets with no
/// error, run from tools/openapi-lint's lockfile (test.sh installs it with <c>npm ci</c>). The document is written to
/// TestResults/openapi/v1.json, where the linters can be run by hand too.
/// </summary>
public class OpenApiLintTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    private static readonly string Tools = Path.Combine(LegacyServerFixture.RepositoryRoot(), "tools", "openapi-lint");

    [Fact]
    public async Task TheDocument_PassesRedoclyRecommended()
    {
        var file = await WriteDocumentAsync("v1.json", await ServedDocumentAsync());
        var (exitCode, output) = await RunAsync("redocly", "lint", "--config", Path.Combine(Tools, "redocly.yaml"), "--format", "stylish", file);
        Assert.True(exitCode == 0, $"redocly lint found errors in {file}:\n{output}");
    }

    [Fact]
    public async Task TheDocument_PassesSpectralOas()
    {
        var file = await WriteDocumentAsync("v1.json", await ServedDocumentAsync());
        var (exitCode, output) = await RunAsync("spectral", "lint", "--ruleset", Path.Combine(Tools, ".spectral.yaml"), "--fail-severity", "error", file);
        Assert.True(exitCode == 0, $"spectral lint found errors in {file}:\n{output}");
    }

    /// <summary>
    /// Proof that an error fails the run: the served document with one operation's path parameter left undeclared is
    /// refused by both linters, with a non-zero exit code (which the two tests above rely on).
    /// </summary>
    [Fact]
    public async Task ADocumentWithAnError_FailsBothLinters()
    {
        var document = JsonNode.Parse(await ServedDocumentAsync())!;
        document["paths"]!["/api/v1/users/{id}"]!["get"]!.AsObject().Remove("parameters");
        var file = await WriteDocumentAsync("broken.json", document.ToJsonString());

        var (redocly, redoclyOutput) = await RunAsync("redocly", "lint", "--config", Path.Combine(Tools, "redocly.yaml"), "--format", "stylish", file);
        Assert.True(redocly != 0, $"redocly lint accepted an undeclared path parameter:\n{redoclyOutput}");
        Assert.Contains("path-parameters-defined", redoclyOutput, StringComparison.Ordinal);

        var (spectral, spectralOutput) = await RunAsync("spectral", "lint", "--ruleset", Path.Combine(Tools, ".spectral.yaml"), "--fail-severity", "error", file);
        Assert.True(spectral != 0, $"spectral lint accepted an undeclared path parameter:\n{spectralOutput}");
        Assert.Contains("path-params", spectralOutput, StringComparison.Ordinal);
    }

    private async Task<string> ServedDocumentAsync()
    {
        using var http = fixture.Anonymous();
        using var response = await http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<string> WriteDocumentAsync(string name, string json)
    {
        var directory = Path.Combine(LegacyServerFixture.RepositoryRoot(), "TestResults", "openapi");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, name);
        await File.WriteAllTextAsync(file, json, TestContext.Current.CancellationToken);
        return file;
    }

    /// <summary>Runs a linter from tools/openapi-lint/node_modules; its exit code and everything it printed.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var executable = Path.Combine(Tools, "node_modules", ".bin", tool);
        Assert.True(File.Exists(executable), $"{executable} is missing: run 'npm ci' in tools/openapi-lint (./test.sh does).");
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = Tools,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, no update check: the linters work offline on a local file.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }
}
