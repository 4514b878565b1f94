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

    [Fact]
    public async Task TheDocument_DescribesEveryAnswerAndHeader_AsTheApiGivesThem()
    {
        var document = await DocumentAsync();
        var paths = document.GetProperty("paths");

        // The public base URL, without the trailing slash that would double the paths' own.
        var server = Assert.Single(document.GetProperty("servers").EnumerateArray()).GetProperty("url").GetString()!;
        Assert.False(server.EndsWith('/'), server);
        Assert.StartsWith("http", server, StringComparison.Ordinal);

        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var name = $"{operation.Name.ToUpperInvariant()} {path.Name}";
                Assert.False(string.IsNullOrWhiteSpace(operation.Value.GetProperty("summary").GetString()), $"{name} has no summary.");
                Assert.False(string.IsNullOrWhiteSpace(operation.Value.GetProperty("description").GetString()), $"{name} has no description.");
                var responses = operation.Value.GetProperty("responses");
                foreach (var status in new[] { "400", "401", "403", "413", "503" })
                {
                    AssertProblem(responses, status, name);
                }
            }
        }

        // Each route's own refusals, as problem details.
        AssertProblems(paths, "get", "/api/v1/users/{id}", "404");
        AssertProblems(paths, "post", "/api/v1/users", "409");
        AssertProblems(paths, "patch", "/api/v1/users/{id}", "404", "409");
        AssertProblems(paths, "patch", "/api/v1/connections/{name}", "404", "409", "412", "428");
        AssertProblems(paths, "put", "/api/v1/connections/{name}/scripts/{function}", "404", "412", "428");
        AssertProblems(paths, "post", "/api/v1/connections/{name}/scripts/{function}/versions/{version}/rollback", "404", "412");
        AssertProblems(paths, "post", "/api/v1/connections/{name}/scripts/{function}/try", "404", "429");
        AssertProblems(paths, "put", "/api/v1/clients/{clientId}", "404", "409");
        AssertProblems(paths, "get", "/api/v1/jobs/{id}/file", "404", "409");
        AssertProblems(paths, "post", "/api/v1/jobs/{id}/pause", "404", "409");
        AssertProblems(paths, "post", "/api/v1/jobs/users-imports", "415");

        // Versioned resources: the answer's ETag, and If-Match on the changes that check it.
        foreach (var (method, path, statuses) in new[]
        {
            ("get", "/api/v1/connections/{name}", new[] { "200" }),
            ("post", "/api/v1/connections", ["201"]),
            ("patch", "/api/v1/connections/{name}", ["200", "412"]),
            ("get", "/api/v1/connections/{name}/scripts/{function}", ["200"]),
            ("put", "/api/v1/connections/{name}/scripts/{function}", ["200", "412"]),
            ("post", "/api/v1/connections/{name}/scripts/{function}/versions/{version}/rollback", ["200", "412"]),
        })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            foreach (var status in statuses)
            {
                Assert.True(operation.GetProperty("responses").GetProperty(status).GetProperty("headers").TryGetProperty("ETag", out _),
                    $"{method} {path} {status} does not document ETag.");
            }

            if (method != "get" && path != "/api/v1/connections")
            {
                var ifMatch = Assert.Single(operation.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match");
                Assert.Equal("header", ifMatch.GetProperty("in").GetString());
                Assert.Contains("412", ifMatch.GetProperty("description").GetString(), StringComparison.Ordinal);
            }
        }

        // Query parameters spelt as the README writes them.
        var listUsers = paths.GetProperty("/api/v1/users").GetProperty("get");
        var names = listUsers.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Subset(names.ToHashSet(), new HashSet<string?> { "q", "limit", "cursor", "fields", "sort", "migrated", "connection" });
        Assert.All(names, n => Assert.True(char.IsLower(n![0]), $"Query parameter '{n}' starts with a capital."));
        var auditNames = paths.GetProperty("/api/v1/audit").GetProperty("get").GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString());
        Assert.All(auditNames, n => Assert.True(char.IsLower(n![0]), $"Query parameter '{n}' starts with a capital."));

        // A page of users: items are users, total a plain integer.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var list = schemas.GetProperty("UserListResponse").GetProperty("properties");
        Assert.Equal("#/components/schemas/UserView", list.GetProperty("items").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal("integer", list.GetProperty("total").GetProperty("type").GetString());
        Assert.False(list.GetProperty("total").TryGetProperty("pattern", out _));
    }

    private static void AssertProblems(JsonElement paths, string method, string path, params string[] statuses)
    {
        var responses = paths.GetProperty(path).GetProperty(method).GetProperty("responses");
        foreach (var status in statuses)
        {
            AssertProblem(responses, status, $"{method.ToUpperInvariant()} {path}");
        }
    }

    private static void AssertProblem(JsonElement responses, string status, string operation)
    {
        Assert.True(responses.TryGetProperty(status, out var response), $"{operation} does not document {status}.");
        Assert.True(response.GetProperty("content").TryGetProperty("application/problem+json", out var media), $"{operation} {status} is not a problem.");
        Assert.StartsWith("#/components/schemas/", media.GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var http = fixture.Anonymous();
        using var response = await http.GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
    }

    /// <summary>The document's path template for a concrete test path.</summary>
    private static string Template(string path)
    {
        var route = path.Split('?')[0];
        return route
            .Replace("/00000000-0000-0000-0000-000000000001", "/{id}", StringComparison.Ordinal)
            .Replace("/identities/legacy/42", "/identities/{connection}/{legacyId}", StringComparison.Ordinal)
            .Replace("/mfa/authenticator", "/mfa/{factor}", StringComparison.Ordinal)
            .Replace("/connections/legacy", "/connections/{name}", StringComparison.Ordinal)
            .Replace("/scripts/login", "/scripts/{function}", StringComparison.Ordinal)
            .Replace("/versions/1", "/versions/{version}", StringComparison.Ordinal)
            .Replace("/clients/machine", "/clients/{clientId}", StringComparison.Ordinal);
    }
}
