using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Acornima;
using Acornima.Ast;
using Jint;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>How a script expects to be called, told from its source.</summary>
internal enum ScriptStyle
{
    /// <summary><c>async function login(email, password, context)</c> returning a profile, null, or throwing.</summary>
    Native,

    /// <summary><c>function login(email, password, callback)</c> calling <c>callback(err, profile)</c> once.</summary>
    Auth0,

    /// <summary><c>async function login(query, password, context)</c> with <c>query = {email, username, phone}</c>.</summary>
    Authing,
}

/// <summary>A parsed script, shared by every call that runs the same source (engines are per call, this is not).</summary>
internal sealed record PreparedScript(Prepared<Script> Script, IReadOnlyDictionary<string, ScriptFunction> Functions);

/// <summary>A top-level function of a script and the style it is written in.</summary>
internal sealed record ScriptFunction(string Name, ScriptStyle Style);

/// <summary>
/// Parses each distinct script source once, keyed by the SHA-256 of its text, so a call pays for a fresh engine but
/// not for parsing. Syntax errors are cached too: a broken script must not cost a parse on every login attempt.
/// Columns are reported 1-based, as editors show them (the parser counts from 0).
/// </summary>
internal sealed class PreparedScriptCache
{
    // Connections have a handful of scripts and versions; the cap only stops unbounded growth from a caller that
    // tries many distinct sources (the Try endpoint). Clearing is crude but safe: entries are rebuilt on demand.
    private const int MaxEntries = 512;

    private static readonly string[] CallbackNames = ["callback", "cb", "done", "next"];

    private readonly ConcurrentDictionary<string, Lazy<Entry>> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public Entry Get(string source)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(source)));
        if (_entries.Count >= MaxEntries && !_entries.ContainsKey(key))
        {
            _entries.Clear();
        }

        return _entries.GetOrAdd(key, _ => new Lazy<Entry>(() => Prepare(source))).Value;
    }

    public static Entry Prepare(string source)
    {
        try
        {
            // Strict mode is decided at parse time; the engine is strict too, so sloppy-mode escapes
            // (arguments.callee, with, implicit globals) are closed either way.
            var script = Engine.PrepareScript(source, "script.js", strict: true);
            return new Entry(new PreparedScript(script, FindFunctions(script.Program!)), null);
        }
        catch (ParseErrorException ex)
        {
            return new Entry(null, new ScriptSyntaxError(ex.Description ?? ex.Message, ex.LineNumber, ex.Column + 1));
        }
        catch (ScriptPreparationException ex) when (ex.InnerException is ParseErrorException parse)
        {
            return new Entry(null, new ScriptSyntaxError(parse.Description ?? parse.Message, parse.LineNumber, parse.Column + 1));
        }
    }

    private static Dictionary<string, ScriptFunction> FindFunctions(Script program)
    {
        var functions = new Dictionary<string, ScriptFunction>(StringComparer.Ordinal);
        foreach (var statement in program.Body)
        {
            if (statement is FunctionDeclaration { Id: { } id } declaration)
            {
                var parameters = declaration.Params.Select(p => p is Identifier identifier ? identifier.Name : "").ToArray();
                functions[id.Name] = new ScriptFunction(id.Name, StyleOf(parameters));
            }
        }

        return functions;
    }

    /// <summary>
    /// Auth0 scripts are functions whose last parameter is the callback (async ones too: Auth0 runs
    /// <c>async function login(email, password, callback)</c> and waits for the callback); Authing scripts take a
    /// <c>query</c> object first; everything else is native.
    /// </summary>
    private static ScriptStyle StyleOf(string[] parameters)
    {
        if (parameters.Length >= 2 && CallbackNames.Contains(parameters[^1], StringComparer.Ordinal))
        {
            return ScriptStyle.Auth0;
        }

        return parameters.Length > 0 && parameters[0] == "query" ? ScriptStyle.Authing : ScriptStyle.Native;
    }

    internal sealed record Entry(PreparedScript? Script, ScriptSyntaxError? Error);
}
