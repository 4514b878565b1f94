using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace LazyMigrate.Server.Hosting;

/// <summary>
/// PostgreSQL text cannot hold U+0000, so a NUL anywhere in a query, form or JSON body would end as a database error
/// (a 500). Refused up front instead: a 400 problem detail naming the field for the API, the 400 page for pages.
/// The OIDC endpoints answer with OAuth errors of their own (Oidc/RefuseNulCharacters).
/// </summary>
public static class NulCharacterGuard
{
    private const string Message = "Must not contain NUL characters (U+0000).";
    private static readonly byte[] JsonNul = "\\u0000"u8.ToArray();

    public static WebApplication UseNulCharacterGuard(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments("/connect"))
            {
                // ASP.NET Core's form reader itself refuses NUL and other invalid characters: an OAuth error, not a 500.
                if (http.Request.HasFormContentType && !await FormIsReadableAsync(http))
                {
                    http.Response.StatusCode = StatusCodes.Status400BadRequest;
                    await http.Response.WriteAsJsonAsync(new Dictionary<string, string>
                    {
                        ["error"] = "invalid_request",
                        ["error_description"] = "The request contains invalid characters.",
                    });
                    return;
                }

                await next(http);
                return;
            }

            if (await FindAsync(http) is not { } field)
            {
                await next(http);
                return;
            }

            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            if (ErrorResponses.WantsProblemDetails(http))
            {
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [Message] })
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = "The request is not valid.",
                    },
                });
            }
        });
        return app;
    }

    /// <summary>The name of the first field holding a NUL, or null.</summary>
    private static async Task<string?> FindAsync(HttpContext http)
    {
        var request = http.Request;
        if (HasNul(request.Path.Value))
        {
            return "path";
        }

        foreach (var (key, values) in request.Query)
        {
            if (HasNul(key) || values.Any(HasNul))
            {
                return Printable(key);
            }
        }

        if (request.HasFormContentType && !ErrorResponses.IsStreamedUpload(http))
        {
            // (A bulk import's upload is streamed by its endpoint, which refuses any field it does not know.)
            if (!await FormIsReadableAsync(http))
            {
                return "form";
            }

            foreach (var (key, values) in await request.ReadFormAsync(http.RequestAborted))
            {
                if (HasNul(key) || values.Any(HasNul))
                {
                    return Printable(key);
                }
            }
        }
        else if (ErrorResponses.WantsProblemDetails(http) && request.HasJsonContentType()
            && http.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { MaxRequestBodySize: > ErrorResponses.MaxRequestBodyBytes })
        {
            // The body is read once here (within the 512 KB limit) and again by model binding.
            request.EnableBuffering();
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy, http.RequestAborted);
            request.Body.Position = 0;
            if (copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(JsonNul) >= 0)
            {
                try
                {
                    using var document = JsonDocument.Parse(copy.ToArray());
                    return FindInJson(document.RootElement, "") is { } found ? (found.Length == 0 ? "body" : found) : null;
                }
                catch (JsonException)
                {
                    return null; // not JSON: model binding says so
                }
            }
        }

        return null;
    }

    private static async Task<bool> FormIsReadableAsync(HttpContext http)
    {
        try
        {
            await http.Request.ReadFormAsync(http.RequestAborted);
            return true;
        }
        catch (InvalidDataException)
        {
            return false; // NUL in a value, or a form over the reader's limits
        }
    }

    private static string? FindInJson(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when HasNul(element.GetString()):
                return path;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var inner = path.Length == 0 ? Printable(property.Name) : $"{path}.{Printable(property.Name)}";
                    if (HasNul(property.Name))
                    {
                        return inner;
                    }

                    if (FindInJson(property.Value, inner) is { } found)
                    {
                        return found;
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindInJson(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                break;
        }

        return null;
    }

    private static bool HasNul(string? value) => value?.Contains('\0', StringComparison.Ordinal) == true;

    // A field name is echoed back: without the NUL, and bounded.
    private static string Printable(string name)
    {
        var clean = new StringBuilder(Math.Min(name.Length, 64));
        foreach (var c in name.AsSpan(0, Math.Min(name.Length, 64)))
        {
            clean.Append(char.IsControl(c) ? '?' : c);
        }

        return clean.ToString();
    }
}
