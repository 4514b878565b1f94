using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime.Descriptors;
using LazyMigrate.Scripting.Compat;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.Legacy;
using LazyMigrate.Scripting.Sandbox;
using static LazyMigrate.Scripting.Host.ScriptValues;

namespace LazyMigrate.Scripting.Host;

/// <summary>
/// The globals every script gets (product.md §2): <c>db</c>, <c>http</c>, <c>crypto</c>, <c>log</c>/<c>console</c>,
/// <c>configuration</c>/<c>env</c>, <c>require</c> and the Auth0 error classes. Each is built from host functions
/// over plain values, so a script holds no reference to any .NET object.
/// </summary>
internal static class HostApi
{
    private const int MaxRandomBytes = 1024;

    private static readonly Jint.Prepared<Acornima.Ast.Script> ErrorClasses = Engine.PrepareScript("""
        'use strict';
        globalThis.WrongUsernameOrPasswordError = class WrongUsernameOrPasswordError extends Error {
          constructor(email, message) { super(message || 'Wrong email or password.'); this.name = 'WrongUsernameOrPasswordError'; this.email = email; }
        };
        globalThis.ValidationError = class ValidationError extends Error {
          constructor(code, message) { super(message || code); this.name = 'ValidationError'; this.code = code; }
        };
        globalThis.UnauthorizedError = class UnauthorizedError extends Error {
          constructor(message) { super(message || 'Unauthorized'); this.name = 'UnauthorizedError'; }
        };
        """, "host.js", strict: true);

    public static void Install(ScriptCall call, ScriptStyle style)
    {
        var engine = call.Engine;
        engine.Execute(ErrorClasses);

        var settings = Freeze(engine, ToJs(engine, call.Connection.Settings.ToDictionary(p => p.Key, p => (object?)p.Value)));
        engine.SetValue("configuration", settings);
        engine.SetValue("env", settings);

        var log = Log(call, "info", "warn", "error");
        engine.SetValue("log", log);
        engine.SetValue("console", Log(call, "log", "warn", "error", alsoInfo: true));

        // Built on first use: most scripts touch two or three of these, and every call pays for what it builds.
        engine.Advanced.AddLazyGlobal("db", _ => Database(call), PropertyFlag.ConfigurableEnumerableWritable);
        engine.Advanced.AddLazyGlobal("http", _ => Http(call), PropertyFlag.ConfigurableEnumerableWritable);
        if (style != ScriptStyle.Auth0)
        {
            engine.Advanced.AddLazyGlobal("crypto", _ => CryptoApi(call), PropertyFlag.ConfigurableEnumerableWritable);
        }

        engine.Advanced.AddLazyGlobal("require", _ => call.Function("require", args => CompatModules.Require(call, RequiredString(Arg(args, 0), "module name")), 1), PropertyFlag.ConfigurableEnumerableWritable);
        engine.Advanced.AddLazyGlobal("Buffer", _ => CompatModules.Get(call).Get("Buffer"), PropertyFlag.ConfigurableEnumerableWritable);
        foreach (var name in (string[])["fetch", "setTimeout", "clearTimeout"])
        {
            engine.Advanced.AddLazyGlobal(name, _ => CompatModules.Get(call).Get(name), PropertyFlag.ConfigurableEnumerableWritable);
        }

        if (style == ScriptStyle.Auth0)
        {
            // Auth0's first sandbox gave these as globals, and its oldest templates still use them without require().
            foreach (var (global, module) in (ReadOnlySpan<(string, string)>)[("postgres", "pg"), ("mysql", "mysql"), ("sqlserver", "tedious"), ("request", "request"), ("bcrypt", "bcrypt")])
            {
                engine.Advanced.AddLazyGlobal(global, _ => CompatModules.Require(call, module), PropertyFlag.ConfigurableEnumerableWritable);
            }

            // Node's crypto, with the host's verifyPassword, hash and hmac beside it (Node's names win where both have one).
            engine.Advanced.AddLazyGlobal("crypto", _ => CompatModules.Get(call).Get("merge").Call(JsValue.Undefined, [CryptoApi(call), CompatModules.Require(call, "crypto")]), PropertyFlag.ConfigurableEnumerableWritable);
        }
    }

    public static JsValue Freeze(Engine engine, JsValue value)
    {
        engine.GetValue("Object").Get("freeze").Call(JsValue.Undefined, [value]);
        return value;
    }

    private static JsObject Log(ScriptCall call, string info, string warn, string error, bool alsoInfo = false)
    {
        var log = new JsObject(call.Engine);
        log.FastSetDataProperty(info, call.Function(info, args => { call.Log.Add(ScriptLogLevel.Info, args); return JsValue.Undefined; }));
        log.FastSetDataProperty(warn, call.Function(warn, args => { call.Log.Add(ScriptLogLevel.Warn, args); return JsValue.Undefined; }));
        log.FastSetDataProperty(error, call.Function(error, args => { call.Log.Add(ScriptLogLevel.Error, args); return JsValue.Undefined; }));
        if (alsoInfo)
        {
            log.FastSetDataProperty("info", call.Function("info", args => { call.Log.Add(ScriptLogLevel.Info, args); return JsValue.Undefined; }));
        }

        return log;
    }

    private static JsValue Database(ScriptCall call)
    {
        var connection = call.Connection;
        if (connection.DatabaseProvider == LegacyDatabaseProvider.None || string.IsNullOrWhiteSpace(connection.DatabaseConnectionString))
        {
            return JsValue.Undefined;
        }

        var db = new JsObject(call.Engine);
        db.FastSetDataProperty("query", call.Function("query", args =>
            Query(call, connection.DatabaseProvider, connection.DatabaseConnectionString, args), 2));
        return db;
    }

    /// <summary>db.query(sql, params) → Promise of rows; also behind the pg and mysql shims.</summary>
    public static JsValue Query(ScriptCall call, LegacyDatabaseProvider provider, string connectionString, JsValue[] args)
    {
        var sql = RequiredString(Arg(args, 0), "sql");
        var parameters = ToPlain(Arg(args, 1), cancellationToken: call.Deadline) switch
        {
            null => [],
            List<object?> list => list,
            _ => throw new ScriptHostException("params must be an array"),
        };
        var database = call.Services.Databases.Open(provider, connectionString);
        return call.StartAsync(token => database.QueryAsync(sql, parameters, token), (engine, rows) => ToJs(engine, rows), legacy: true);
    }

    internal static JsObject Http(ScriptCall call)
    {
        var http = new JsObject(call.Engine);
        http.FastSetDataProperty("request", call.Function("request", args =>
        {
            if (ToPlain(Arg(args, 0), cancellationToken: call.Deadline) is not Dictionary<string, object?> options)
            {
                throw new ScriptHostException("http.request takes {url, method, headers, body}");
            }

            var headers = options.GetValueOrDefault("headers") is Dictionary<string, object?> map
                ? map.ToDictionary(p => p.Key, p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var (body, contentType) = options.GetValueOrDefault("body") switch
            {
                null => ((string?)null, (string?)null),
                string text => (text, "text/plain"),
                var structured => (System.Text.Json.JsonSerializer.Serialize(structured), "application/json"),
            };
            var request = new LegacyHttpRequest(
                options.GetValueOrDefault("url") as string ?? throw new ScriptHostException("url is required"),
                options.GetValueOrDefault("method") as string ?? "GET",
                headers,
                body,
                contentType);
            return call.StartAsync(
                async token =>
                {
                    var response = await call.Services.Http.SendAsync(call.Connection, request, token);

                    // A server error is the legacy service failing, not an answer about the user (see ScriptRunner).
                    if (response["status"] is int status and >= 500)
                    {
                        call.MarkLegacyCallFailed($"{request.Method.ToUpperInvariant()} {new Uri(request.Url).GetLeftPart(UriPartial.Path)} answered {status}");
                        if (status is 502 or 503 or 504)
                        {
                            call.MarkLegacyFault();
                        }
                    }

                    return response;
                },
                (engine, response) => ToJs(engine, response),
                legacy: true);
        }, 1));
        return http;
    }

    private static JsObject CryptoApi(ScriptCall call)
    {
        var crypto = new JsObject(call.Engine);
        crypto.FastSetDataProperty("verifyPassword", call.Function("verifyPassword", args =>
        {
            // The same reading and the same verifier as bulk import: a named format, an Auth0 custom_password_hash
            // object, or nothing (the hash's prefix tells). Reading it here makes a malformed descriptor fail at once.
            var password = RequiredString(Arg(args, 0), "password");
            var hashArgument = Arg(args, 1);
            var hash = hashArgument.IsNull() || hashArgument.IsUndefined() ? null : RequiredString(hashArgument, "hash");
            var format = Arg(args, 2);
            var legacy = format.IsObject()
                ? Describe(ToPlain(format, cancellationToken: call.Deadline), hash)
                : LegacyPasswordHash.FromFormat(OptionalString(format, "format") ?? "auto", hash ?? throw new ScriptHostException("hash is required"));
            LegacyPasswordVerifier.Check(legacy);

            // Slow hashes (bcrypt, argon2) run off the engine thread so the deadline can still end the call; a hash
            // that outlives the deadline retires its worker process (ScriptRun.Unfit).
            return call.StartAsync(token => call.HashAsync(() => LegacyPasswordVerifier.Verify(password, legacy), token), (_, ok) => ok ? JsBoolean.True : JsBoolean.False);
        }, 3));
        crypto.FastSetDataProperty("hash", call.Function("hash", args =>
            Encode(LegacyPasswordVerifier.Digest(RequiredString(Arg(args, 0), "algorithm"), Bytes(Arg(args, 1), "utf8")), Arg(args, 2)), 3));
        crypto.FastSetDataProperty("hmac", call.Function("hmac", args =>
            Encode(LegacyPasswordVerifier.Hmac(RequiredString(Arg(args, 0), "algorithm"), Bytes(Arg(args, 1), "utf8"), Bytes(Arg(args, 2), "utf8")), Arg(args, 3)), 4));
        crypto.FastSetDataProperty("pbkdf2", call.Function("pbkdf2", args =>
        {
            var iterations = (int)Arg(args, 2).AsNumber();
            LegacyPasswordVerifier.CheckPbkdf2Iterations(iterations);
            var length = (int)Arg(args, 3).AsNumber();
            if (length is < 1 or > 1024)
            {
                throw new ScriptHostException("keyLength must be within 1..1024");
            }

            var digest = OptionalString(Arg(args, 4), "digest") ?? "sha256";
            return Encode(LegacyPasswordVerifier.Pbkdf2(digest, Bytes(Arg(args, 0), "utf8"), Bytes(Arg(args, 1), "utf8"), iterations, length), Arg(args, 5));
        }, 6));
        crypto.FastSetDataProperty("timingSafeEqual", call.Function("timingSafeEqual", args =>
            CryptographicOperations.FixedTimeEquals(Bytes(Arg(args, 0), "utf8"), Bytes(Arg(args, 1), "utf8")) ? JsBoolean.True : JsBoolean.False, 2));
        crypto.FastSetDataProperty("randomBytes", call.Function("randomBytes", args =>
        {
            var count = (int)Arg(args, 0).AsNumber();
            if (count is < 0 or > MaxRandomBytes)
            {
                throw new ScriptHostException($"randomBytes takes 0..{MaxRandomBytes}");
            }

            return Encode(RandomNumberGenerator.GetBytes(count), Arg(args, 1));
        }, 2));
        return crypto;
    }

    /// <summary>
    /// Reads an Auth0 <c>custom_password_hash</c> object from a script. <c>hash.value</c> may be left out when the hash
    /// is the second argument (which wins when both are given). Earlier forms keep working: <c>algorithm</c>
    /// <c>hmac-sha256</c> / <c>pbkdf2-sha256</c>, a top-level <c>key</c> {value, encoding} and <c>iterations</c>.
    /// </summary>
    internal static LegacyPasswordHash Describe(object? plain, string? hash)
    {
        if (plain is not Dictionary<string, object?> map || map.GetValueOrDefault("algorithm") is not string algorithm)
        {
            throw new ScriptHostException("a hash descriptor needs an algorithm");
        }

        var node = (JsonObject)ToJson(map)!;
        var hashNode = node["hash"] as JsonObject ?? new JsonObject();
        node["hash"] = hashNode;
        if (hash is not null)
        {
            hashNode["value"] = hash;
        }

        var dash = algorithm.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && algorithm[..dash] is "hmac" or "pbkdf2" && !hashNode.ContainsKey("digest"))
        {
            node["algorithm"] = algorithm[..dash];
            hashNode["digest"] = algorithm[(dash + 1)..];
        }

        if (node["key"] is { } key && !hashNode.ContainsKey("key"))
        {
            node.Remove("key");
            hashNode["key"] = key;
        }

        if (node["iterations"] is { } iterations)
        {
            node.Remove("iterations");
            var parameters = node["parameters"] as JsonObject ?? new JsonObject();
            parameters["iterations"] = iterations.DeepClone();
            node["parameters"] = parameters;
        }

        return LegacyPasswordHash.FromAuth0(node);
    }

    private static JsonNode? ToJson(object? plain) => plain switch
    {
        null => null,
        string text => JsonValue.Create(text),
        bool flag => JsonValue.Create(flag),
        double number when number == Math.Floor(number) && Math.Abs(number) < 1e15 => JsonValue.Create((long)number),
        double number => JsonValue.Create(number),
        Dictionary<string, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, ToJson(p.Value)))),
        List<object?> list => new JsonArray([.. list.Select(ToJson)]),
        var other => JsonValue.Create(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)),
    };

    /// <summary>A string in <paramref name="encoding"/> or a Uint8Array, as bytes.</summary>
    public static byte[] Bytes(JsValue value, string encoding)
    {
        if (value.IsUint8Array())
        {
            return value.AsUint8Array();
        }

        return LegacyPasswordVerifier.Decode(RequiredString(value, "data"), encoding, "data");
    }

    private static JsString Encode(byte[] bytes, JsValue encoding) =>
        new((OptionalString(encoding, "encoding") ?? "hex").ToLowerInvariant() switch
        {
            "hex" => Convert.ToHexStringLower(bytes),
            "base64" => Convert.ToBase64String(bytes),
            "base64url" => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            "utf8" or "utf-8" => Encoding.UTF8.GetString(bytes),
            "latin1" or "binary" => Encoding.Latin1.GetString(bytes),
            var other => throw new ScriptHostException($"unknown encoding '{other}' (hex, base64, base64url, utf8)"),
        });

    public static string EncodeToString(byte[] bytes, string encoding) => Encode(bytes, new JsString(encoding)).ToString();
}
