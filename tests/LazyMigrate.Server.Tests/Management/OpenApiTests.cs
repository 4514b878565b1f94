using System.Net;
using System.Text.Json;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Management;

public class OpenApiTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    [Fact]
    public async Task TheDocument_ListsEveryRoute_WithItsScope()
    {
        using var http = fixture.Anonymous();
        using var response = await http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("oauth2");
        Assert.Equal("oauth2", scheme.GetProperty("type").GetString());
        var flow = scheme.GetProperty("flows").GetProperty("clientCredentials");
        Assert.EndsWith("/connect/token", flow.GetProperty("tokenUrl").GetString(), StringComparison.Ordinal);

        // Each requirement names one scope; several requirements are alternatives (a job route takes import:users or export:users).
        var operations = new Dictionary<(string Method, string Path), List<string>>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name != "parameters"))
            {
                var alternatives = operation.Value.GetProperty("security").EnumerateArray()
                    .Select(requirement => Assert.Single(requirement.GetProperty("oauth2").EnumerateArray()).GetString()!).ToList();
                Assert.NotEmpty(alternatives);
                Assert.All(alternatives, scope => Assert.True(flow.GetProperty("scopes").TryGetProperty(scope, out _)));
                operations[(operation.Name.ToUpperInvariant(), path.Name)] = alternatives;
            }
        }

        foreach (var route in ManagementAuthTests.Routes)
        {
            var (method, path, scope) = route.Data;
            var template = Template(path);
            Assert.True(operations.TryGetValue((method, template), out var documented), $"{method} {template} is not in the document.");
            Assert.Equal(scope, documented[0]);
        }

        Assert.Equal(ManagementAuthTests.Routes.Count, operations.Count);
    }

    /// <summary>The document's path template for a concrete test path.</summary>
    private static string Template(string path)
    {
        var route = path.Split('?')[0];
        return route
            .Replace("/00000000-0000-0000-0000-000000000001", "/{id}", StringComparison.Ordinal)
            .Replace("/identities/legacy/42", "/identities/{connection}/{legacyId}", StringComparison.Ordinal)
            .Replace("/connections/legacy", "/connections/{name}", StringComparison.Ordinal)
            .Replace("/scripts/login", "/scripts/{function}", StringComparison.Ordinal)
            .Replace("/versions/1", "/versions/{version}", StringComparison.Ordinal)
            .Replace("/clients/machine", "/clients/{clientId}", StringComparison.Ordinal);
    }
}
