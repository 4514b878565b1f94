using System.Globalization;
using System.Security.Cryptography;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.Host;
using LazyMigrate.Scripting.Legacy;
using LazyMigrate.Scripting.Sandbox;
using MySqlConnector;
using Npgsql;
using static LazyMigrate.Scripting.Host.ScriptValues;

namespace LazyMigrate.Scripting.Compat;

/// <summary>
/// <c>require()</c> for Auth0-style scripts: the subset of Node modules Auth0's published templates use, written in
/// JS (Compat/node-modules.js) over a handful of host functions. Loaded into a call's engine on first use only.
/// </summary>
internal static class CompatModules
{
    public const string Available = "axios, bcrypt, bcryptjs, crypto, mysql, node-fetch, pg, request, tedious";

    /// <summary>The source name stack frames inside the modules carry.</summary>
    public const string SourceName = "node-modules.js";

    private static readonly string Text = ReadSource();

    private static readonly Prepared<Acornima.Ast.Script> Source = Engine.PrepareScript(Text, SourceName, strict: true);

    // Where each module starts ("// module: name" lines), so an error's position in here can name its module.
    private static readonly (int Line, string Name)[] ModuleStarts = Text.Split('\n')
        .Select((line, index) => (Line: index + 1, Text: line.Trim()))
        .Where(l => l.Text.StartsWith("// module: ", StringComparison.Ordinal))
        .Select(l => (l.Line, l.Text["// module: ".Length..]))
        .ToArray();

    public static string ModuleAt(int line) => ModuleStarts.LastOrDefault(m => m.Line <= line).Name ?? "Buffer";

    public static JsValue Require(ScriptCall call, string name)
    {
        // Auth0's sandbox pins versions in the name (require('bcrypt@0.8.5')); one version of each module exists here.
        var at = name.LastIndexOf('@');
        if (at > 0)
        {
            name = name[..at];
        }

        if (name is "mongodb" or "mongoose")
        {
            throw new ScriptHostException($"module '{name}': MongoDB is not available in this sandbox; reach the legacy users through SQL (db.query, pg, mysql) or an HTTP service (request, fetch)");
        }

        var modules = Get(call).Get("modules");
        var module = modules.AsObject().GetOwnProperty(name);
        if (module == Jint.Runtime.Descriptors.PropertyDescriptor.Undefined)
        {
            throw new ScriptHostException($"module '{name}' is not available; available: {Available}");
        }

        return module.Value;
    }

    public static ObjectInstance Get(ScriptCall call)
    {
        if (call.CompatExports is null)
        {
            var factory = call.Engine.Evaluate(Source);
            call.CompatExports = factory.Call(JsValue.Undefined, [HostFunctions(call)]).AsObject();
        }

        return call.CompatExports;
    }

    private static JsObject HostFunctions(ScriptCall call)
    {
        var engine = call.Engine;
        var host = new JsObject(engine);
        void Add(string name, Func<JsValue[], JsValue> body) => host.FastSetDataProperty(name, call.Function(name, body));
        JsValue Bytes(byte[] bytes) => engine.Intrinsics.Uint8Array.Construct(bytes);

        Add("encode", args => new JsString(HostApi.EncodeToString(Arg(args, 0).AsUint8Array(), OptionalString(Arg(args, 1), "encoding") ?? "utf8")));
        Add("bytes", args => Bytes(ToBytes(Arg(args, 0), OptionalString(Arg(args, 1), "encoding") ?? "utf8")));
        Add("equal", args => Arg(args, 0).AsUint8Array().AsSpan().SequenceEqual(ToBytes(Arg(args, 1), "utf8")) ? JsBoolean.True : JsBoolean.False);
        Add("concat", args =>
        {
            var list = Arg(args, 0).AsArray();
            var parts = Enumerable.Range(0, (int)list.Length).Select(i => ToBytes(list.Get(i), "utf8")).ToArray();
            return Bytes(parts.SelectMany(p => p).ToArray());
        });
        Add("digest", args => Bytes(LegacyPasswordVerifier.Digest(RequiredString(Arg(args, 0), "algorithm"), Arg(args, 1).AsUint8Array())));
        Add("hmac", args => Bytes(LegacyPasswordVerifier.Hmac(RequiredString(Arg(args, 0), "algorithm"), Arg(args, 1).AsUint8Array(), Arg(args, 2).AsUint8Array())));
        Add("pbkdf2", args =>
        {
            var iterations = (int)Arg(args, 2).AsNumber();
            LegacyPasswordVerifier.CheckPbkdf2Iterations(iterations);
            var length = (int)Arg(args, 3).AsNumber();
            if (length is < 1 or > 1024)
            {
                throw new ScriptHostException("keylen must be within 1..1024");
            }

            return Bytes(LegacyPasswordVerifier.Pbkdf2(RequiredString(Arg(args, 4), "digest"), Arg(args, 0).AsUint8Array(), Arg(args, 1).AsUint8Array(), iterations, length));
        });
        Add("randomBytes", args =>
        {
            var count = (int)Arg(args, 0).AsNumber();
            return count is < 0 or > 1024 ? throw new ScriptHostException("randomBytes takes 0..1024") : Bytes(RandomNumberGenerator.GetBytes(count));
        });
        Add("timingSafeEqual", args =>
        {
            var a = Arg(args, 0).AsUint8Array();
            var b = Arg(args, 1).AsUint8Array();
            return a.Length != b.Length
                ? throw new ScriptHostException("input buffers must have the same byte length")
                : CryptographicOperations.FixedTimeEquals(a, b) ? JsBoolean.True : JsBoolean.False;
        });
        Add("bcryptCompare", args =>
        {
            var password = RequiredString(Arg(args, 0), "password");
            var hash = RequiredString(Arg(args, 1), "hash");
            return call.StartAsync(token => Task.Run(() => LegacyPasswordVerifier.Verify(password, hash, "bcrypt"), token), (_, ok) => ok ? JsBoolean.True : JsBoolean.False);
        });
        Add("bcryptCompareSync", args =>
            LegacyPasswordVerifier.Verify(RequiredString(Arg(args, 0), "password"), RequiredString(Arg(args, 1), "hash"), "bcrypt") ? JsBoolean.True : JsBoolean.False);
        Add("bcryptHash", args =>
        {
            var password = RequiredString(Arg(args, 0), "password");
            var rounds = Rounds(Arg(args, 1));
            return call.StartAsync(token => Task.Run(() => BCrypt.Net.BCrypt.HashPassword(password, rounds), token), (_, hash) => new JsString(hash));
        });
        Add("bcryptHashSync", args => new JsString(BCrypt.Net.BCrypt.HashPassword(RequiredString(Arg(args, 0), "password"), Rounds(Arg(args, 1)))));
        Add("bcryptSalt", args => new JsString(BCrypt.Net.BCrypt.GenerateSalt(Rounds(Arg(args, 0)))));
        Add("bcryptHashWithSalt", args =>
        {
            var password = RequiredString(Arg(args, 0), "password");
            var salt = Salt(Arg(args, 1));
            return call.StartAsync(token => Task.Run(() => BCrypt.Net.BCrypt.HashPassword(password, salt), token), (_, hash) => new JsString(hash));
        });
        Add("bcryptHashWithSaltSync", args => new JsString(BCrypt.Net.BCrypt.HashPassword(RequiredString(Arg(args, 0), "password"), Salt(Arg(args, 1)))));
        host.FastSetDataProperty("http", HostApi.Http(call).Get("request"));
        Add("delay", args => call.Delay(Arg(args, 0).IsNumber() ? Arg(args, 0).AsNumber() : 0));
        Add("open", args => new JsString(Open(call, RequiredString(Arg(args, 0), "kind"), ToPlain(Arg(args, 1)) as Dictionary<string, object?> ?? [])));
        Add("query", args =>
        {
            var handle = RequiredString(Arg(args, 0), "handle");
            if (!call.OpenedDatabases.TryGetValue(handle, out var database))
            {
                throw new ScriptHostException("the database connection is not open");
            }

            return HostApi.Query(call, database.Provider, database.ConnectionString, args[1..]);
        });
        return host;
    }

    private static int Rounds(JsValue value)
    {
        var rounds = value.IsNumber() ? (int)value.AsNumber() : 10;
        return rounds is < 4 or > 14 ? throw new ScriptHostException("bcrypt rounds must be within 4..14") : rounds;
    }

    /// <summary>A bcrypt salt as genSalt makes it, its cost within the same bounds as a number of rounds.</summary>
    private static string Salt(JsValue value)
    {
        var salt = RequiredString(value, "salt");
        var parts = salt.Split('$');
        if (parts.Length < 4 || parts[1] is not ("2a" or "2b" or "2y") || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var cost) || parts[3].Length < 22)
        {
            throw new ScriptHostException("invalid bcrypt salt; make one with bcrypt.genSalt");
        }

        Rounds(new JsNumber(cost));
        return salt;
    }

    private static byte[] ToBytes(JsValue value, string encoding)
    {
        if (value.IsUint8Array())
        {
            return value.AsUint8Array();
        }

        if (value.IsArray())
        {
            var array = value.AsArray();
            return Enumerable.Range(0, (int)array.Length).Select(i => (byte)array.Get(i).AsNumber()).ToArray();
        }

        return HostApi.Bytes(value, encoding);
    }

    /// <summary>
    /// Opens a database named by the script itself (Auth0 templates carry their own connection details). The
    /// connection string is rebuilt from host, port, user, password and database only: a script must not be able
    /// to pass driver options (MySQL's local-infile, say) and its host must pass <see cref="LegacyHostPolicy"/>.
    /// </summary>
    private static string Open(ScriptCall call, string kind, Dictionary<string, object?> config)
    {
        string? Text(string key) => config.GetValueOrDefault(key) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
        int? Port(string? text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;

        LegacyDatabaseProvider provider;
        string connectionString;
        switch (kind)
        {
            case "postgres":
            {
                string host;
                int? port;
                string? user, password, database;
                var text = Text("connectionString");
                if (text is not null && (text.StartsWith("postgres://", StringComparison.Ordinal) || text.StartsWith("postgresql://", StringComparison.Ordinal)))
                {
                    var uri = Uri.TryCreate(text, UriKind.Absolute, out var parsed) ? parsed : throw new ScriptHostException("the connection string is not a valid URL");
                    var credentials = uri.UserInfo.Split(':', 2);
                    host = uri.Host;
                    port = uri.IsDefaultPort || uri.Port < 0 ? null : uri.Port;
                    user = Uri.UnescapeDataString(credentials[0]);
                    password = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : null;
                    database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
                }
                else if (text is not null)
                {
                    var parsed = new NpgsqlConnectionStringBuilder(text);
                    (host, port, user, password, database) = (parsed.Host ?? "localhost", parsed.Port, parsed.Username, parsed.Password, parsed.Database);
                }
                else
                {
                    (host, port, user, password, database) = (Text("host") ?? "localhost", Port(Text("port")), Text("user"), Text("password"), Text("database"));
                }

                LegacyHostPolicy.EnsureAllowed(call.Connection, host, port ?? 5432, standardPort: 5432);
                provider = LegacyDatabaseProvider.Postgres;
                connectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = host,
                    Port = port ?? 5432,
                    Username = user,
                    Password = password,
                    Database = string.IsNullOrEmpty(database) ? null : database,
                    Timeout = 5,
                }.ConnectionString;
                break;
            }

            case "mysql":
            {
                if (config.ContainsKey("socketPath"))
                {
                    throw new ScriptHostException("socketPath is not supported; use host and port");
                }

                var host = Text("host") ?? "localhost";
                var port = Port(Text("port"));
                LegacyHostPolicy.EnsureAllowed(call.Connection, host, port ?? 3306, standardPort: 3306);
                provider = LegacyDatabaseProvider.MySql;
                connectionString = new MySqlConnectionStringBuilder
                {
                    Server = host,
                    Port = (uint)(port ?? 3306),
                    UserID = Text("user") ?? "",
                    Password = Text("password") ?? "",
                    Database = Text("database") ?? "",
                    ConnectionTimeout = 5,
                    AllowLoadLocalInfile = false,
                }.ConnectionString;
                break;
            }

            case "sqlserver":
            {
                // tedious' config: {server, authentication: {options: {userName, password}} | userName, password,
                // options: {database, port, instanceName, encrypt, trustServerCertificate}}.
                var options = config.GetValueOrDefault("options") as Dictionary<string, object?> ?? [];
                var authentication = (config.GetValueOrDefault("authentication") as Dictionary<string, object?>)?.GetValueOrDefault("options") as Dictionary<string, object?> ?? [];
                string? Option(Dictionary<string, object?> map, string key) => map.GetValueOrDefault(key) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
                var host = Text("server") ?? "localhost";
                var port = Port(Option(options, "port"));
                LegacyHostPolicy.EnsureAllowed(call.Connection, host, port ?? 1433, standardPort: 1433);
                var instance = Option(options, "instanceName");
                provider = LegacyDatabaseProvider.SqlServer;
                connectionString = new Microsoft.Data.SqlClient.SqlConnectionStringBuilder
                {
                    DataSource = instance is not null ? $"{host}\\{instance}" : port is { } p ? $"{host},{p.ToString(CultureInfo.InvariantCulture)}" : host,
                    UserID = Option(authentication, "userName") ?? Text("userName") ?? "",
                    Password = Option(authentication, "password") ?? Text("password") ?? "",
                    InitialCatalog = Option(options, "database") ?? "",
                    Encrypt = options.GetValueOrDefault("encrypt") is false ? Microsoft.Data.SqlClient.SqlConnectionEncryptOption.Optional : Microsoft.Data.SqlClient.SqlConnectionEncryptOption.Mandatory,
                    TrustServerCertificate = options.GetValueOrDefault("trustServerCertificate") is true,
                    ConnectTimeout = 5,
                }.ConnectionString;
                break;
            }

            default:
                throw new ScriptHostException($"unknown database kind {kind}");
        }

        var handle = "db" + call.OpenedDatabases.Count.ToString(CultureInfo.InvariantCulture);
        call.OpenedDatabases[handle] = (provider, connectionString);
        return handle;
    }

    private static string ReadSource()
    {
        using var stream = typeof(CompatModules).Assembly.GetManifestResourceStream("LazyMigrate.Scripting.Compat.node-modules.js")
            ?? throw new InvalidOperationException("the compat modules resource is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
