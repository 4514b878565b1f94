using System.Text.RegularExpressions;
using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;
using LazyMigrate.Scripting.Host;
using Microsoft.Extensions.Logging;

namespace LazyMigrate.Scripting.Sandbox;

/// <summary>Which of a connection's scripts a call runs.</summary>
internal enum ScriptKind
{
    Login,
    GetUser,
    CountUsers,
    ListUsers,
}

/// <summary>
/// The result of one run, plus whether the legacy system (not the script) was at fault, for the breaker, and whether
/// the run left its process unfit for another call (host work still running past the deadline, a heap exhausted).
/// </summary>
internal sealed record ScriptRun(ScriptResult Result, bool LegacyFault, bool Unfit = false);

/// <summary>
/// Runs one script call in a fresh engine: limits from <see cref="ScriptLimits"/>, one deadline for everything
/// (awaited host calls included), the host API installed, the script's function invoked in its own style, and
/// every way it can end mapped onto the closed set of <see cref="ScriptOutcome"/>s.
/// </summary>
internal sealed partial class ScriptRunner(ScriptServices services)
{
    private static readonly string[] GetUserNames = ["getUser", "getByEmail", "loginByEmail"];

    public async Task<ScriptRun> RunAsync(
        LegacyConnection connection,
        ScriptKind kind,
        string? identifier,
        string? password,
        int limit,
        ScriptContext context,
        CancellationToken deadline,
        CancellationToken cancellationToken)
    {
        var started = services.Time.GetTimestamp();
        ScriptCall? call = null;
        var log = new ScriptLogCollector(
            connection.SecretSettings.Select(key => connection.Settings.GetValueOrDefault(key)).Append(password),
            services.Time);
        ScriptRun Done(ScriptOutcome outcome, bool legacyFault = false)
        {
            if (outcome is ScriptOutcome.Failed failed)
            {
                // A script can put anything in an error message, the password included.
                outcome = failed with { Message = log.Redact(failed.Message) };
            }

            // A hash or query still running after the call ended keeps burning a core (Task.Run cannot stop a
            // hash), and an exhausted heap may leave the process fragile: a worker process is retired for either.
            var unfit = call?.HostWorkInFlight == true || outcome is ScriptOutcome.Failed { Reason: ScriptFailureReason.MemoryLimit };
            return new ScriptRun(new ScriptResult(outcome, log.Entries, services.Time.GetElapsedTime(started)) { LegacyIo = call?.LegacyIo ?? TimeSpan.Zero }, legacyFault, unfit);
        }

        var source = kind switch
        {
            ScriptKind.Login => connection.LoginScript,
            ScriptKind.GetUser => connection.GetUserScript,
            ScriptKind.ListUsers => connection.ListUsersScript,
            _ => connection.CountUsersScript,
        };
        if (string.IsNullOrWhiteSpace(source))
        {
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.NotConfigured, $"connection '{connection.Name}' has no {Describe(kind)} script"));
        }

        var prepared = services.Scripts.Get(source);
        if (prepared.Error is { } syntax)
        {
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.ScriptError, "SyntaxError: " + syntax.Message, syntax.Line, syntax.Column));
        }

        var names = kind switch
        {
            ScriptKind.Login => ["login"],
            ScriptKind.GetUser => GetUserNames,
            ScriptKind.ListUsers => ["listUsers"],
            _ => (string[])["countUsers"],
        };
        var function = names.Select(name => prepared.Script!.Functions.GetValueOrDefault(name)).FirstOrDefault(f => f is not null);
        if (function is null)
        {
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.ScriptError, $"the script defines no top-level function {string.Join(" or ", names)}"));
        }

        var limits = connection.Limits;
        var engine = CreateEngine(limits, deadline);
        call = new ScriptCall(engine, connection, log, services, deadline);
        try
        {
            HostApi.Install(call, function.Style);
            engine.Execute(prepared.Script!.Script);
            var settled = await InvokeAsync(call, function, kind, identifier, password ?? "", limit, context);
            return Done(Interpret(call, function.Style, kind, settled, limit), call.LegacyFault);
        }
        catch (JavaScriptException ex)
        {
            // A throw inside the compatibility modules is placed by the error's stack (the script's calling line).
            var inScript = ex.Location.SourceFile != Compat.CompatModules.SourceName;
            var error = ScriptError.From(ex.Error, inScript ? ex.Location.Start.Line : null, inScript ? ex.Location.Start.Column + 1 : null);
            return Done(Interpret(call, function.Style, kind, new Settled(null, error, false), limit), call.LegacyFault);
        }
        catch (RegexMatchTimeoutException)
        {
            // Before the deadline's catch: a RegexMatchTimeoutException is a TimeoutException, and this one is the
            // regex's own limit, not the call's deadline (Jint lets it escape the script's try/catch).
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.Timeout, $"a regular expression ran longer than {limits.RegexTimeout.TotalMilliseconds:0} ms"));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ExecutionCanceledException && cancellationToken.IsCancellationRequested)
        {
            // The caller gave up (request aborted, shutdown): that is not the script's doing, so no outcome.
            throw new OperationCanceledException("the caller cancelled the script call", ex, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ExecutionCanceledException or TimeoutException)
        {
            // The deadline passed. If a database or HTTP call was still out, the legacy system is what hung.
            var legacy = call.LegacyCallInFlight;
            var message = legacy
                ? $"the legacy system did not answer within the call's deadline of {limits.Timeout.TotalSeconds:0.###} s"
                : function.Style == ScriptStyle.Auth0
                    ? $"the script did not call back within the call's deadline of {limits.Timeout.TotalSeconds:0.###} s"
                    : $"the script did not finish within the call's deadline of {limits.Timeout.TotalSeconds:0.###} s";
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.Timeout, message), legacy);
        }
        catch (StatementsCountOverflowException)
        {
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.StatementLimit, $"the script ran more than {limits.MaxStatements} statements"));
        }
        catch (MemoryLimitExceededException)
        {
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.MemoryLimit, $"the script allocated more than {limits.MaxMemoryBytes / (1024 * 1024)} MB"));
        }
        catch (Exception ex) when (ex is RecursionDepthOverflowException or InsufficientExecutionStackException)
        {
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.Recursion, $"the script nested calls deeper than {limits.MaxRecursionDepth}"));
        }
        catch (OutOfMemoryException)
        {
            // Jint counts its own allocations only after the fact ('x'.repeat(2**28) is 512 MB in one step); the
            // sandbox process's heap hard limit is what stops such an allocation.
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.MemoryLimit, "the script allocated more memory than its sandbox has"));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A fault of the host, not of the script: log it with its details, give the script author a plain line.
            services.Logger.LogError(ex, "Script host failure for connection {Connection}", connection.Name);
            return Done(new ScriptOutcome.Failed(ScriptFailureReason.ScriptError, "the script host failed; see the server log"));
        }
    }

    public static Engine CreateEngine(ScriptLimits limits, CancellationToken deadline) =>
        new(options =>
        {
            // Security: no CLR access at all (no AllowClr, interop off), no eval or new Function, strict mode, and
            // every resource a script can burn bounded. The deadline token also ends waits on host calls, which
            // Jint's own TimeoutInterval does not count.
            options.Interop.Enabled = false;
            options.Strict();
            options.DisableStringCompilation();
            options.LimitRecursion(limits.MaxRecursionDepth);
            options.MaxStatements((int)Math.Min(limits.MaxStatements, int.MaxValue));
            options.LimitMemory(limits.MaxMemoryBytes);
            options.TimeoutInterval(limits.Timeout);
            options.CancellationToken(deadline);
            options.Constraints.RegexTimeout = limits.RegexTimeout;
            // Jint's own wait for a promise (10 s by default) must never end a call before the call's deadline does:
            // the deadline token is what bounds waiting, with the reason reported as a Timeout.
            options.Constraints.PromiseTimeout = limits.Timeout + TimeSpan.FromSeconds(5);
            // Lets the event loop settle promises from other threads (host results arrive on the thread pool).
            // Host functions never hand a Task to a script themselves; see ScriptCall.StartAsync.
            options.ExperimentalFeatures = ExperimentalFeature.TaskInterop;
        });

    private static async Task<Settled> InvokeAsync(ScriptCall call, ScriptFunction function, ScriptKind kind, string? identifier, string password, int limit, ScriptContext context)
    {
        var engine = call.Engine;
        var target = engine.GetValue(function.Name);
        var contextObject = ScriptValues.ToJs(engine, new Dictionary<string, object?>
        {
            ["connection"] = call.Connection.Name,
            ["clientId"] = context.ClientId,
            ["ip"] = context.Ip,
            ["requestId"] = context.RequestId,
            ["dryRun"] = context.DryRun,

            // The fields Authing documents for its scripts' context, so its templates can log or branch on them.
            ["userPoolId"] = call.Connection.Name,
            ["protocol"] = context.Protocol ?? "oidc",
            ["request"] = new Dictionary<string, object?> { ["ip"] = context.Ip, ["requestId"] = context.RequestId },
        });
        // listUsers gets its cursor (null on the first page) and page size; the other functions an identifier.
        JsValue subject = kind == ScriptKind.ListUsers
            ? identifier is null ? JsValue.Null : new JsString(identifier)
            : function.Style == ScriptStyle.Authing ? AuthingQuery(engine, identifier ?? "") : new JsString(identifier ?? "");
        var reader = ValueReader(kind, call.Deadline);

        if (function.Style == ScriptStyle.Auth0)
        {
            var box = new Settled(null, null, false);
            var settle = engine.Advanced.RegisterPromise();
            var callback = new ClrFunction(engine, "callback", (_, args) =>
            {
                if (box.Done)
                {
                    // Auth0 ignores a second call too; the admin should still hear about it.
                    call.Log.Add(ScriptLogLevel.Warn, "callback was called more than once; only the first call counts");
                    call.Services.Logger.LogWarning("A script of connection {Connection} called its callback more than once; the extra call was ignored", call.Connection.Name);
                    return JsValue.Undefined;
                }

                var error = ScriptValues.Arg(args, 0);
                box = error.IsNull() || error.IsUndefined()
                    ? reader(ScriptValues.Arg(args, 1))
                    : new Settled(null, ScriptError.From(error), true);
                settle.Resolve(JsValue.Undefined);
                return JsValue.Undefined;
            }, 2, PropertyFlag.Configurable);
            JsValue[] arguments = kind switch
            {
                ScriptKind.Login => [subject, new JsString(password), callback],
                ScriptKind.GetUser => [subject, callback],
                ScriptKind.ListUsers => [subject, new JsNumber(limit), callback],
                _ => [callback],
            };
            var invoked = engine.Invoke(target, arguments);
            if (invoked.IsPromise())
            {
                // An async Auth0 function that throws before calling back: its rejection is the callback's error.
                var onRejected = new ClrFunction(engine, "", (_, args) =>
                {
                    if (!box.Done)
                    {
                        box = new Settled(null, ScriptError.From(ScriptValues.Arg(args, 0)), true);
                        settle.Resolve(JsValue.Undefined);
                    }

                    return JsValue.Undefined;
                }, 1, PropertyFlag.Configurable);
                engine.GetValue("Promise").Get("prototype").Get("then").Call(invoked, [JsValue.Undefined, onRejected]);
            }

            if (!box.Done)
            {
                await settle.Promise.UnwrapIfPromiseAsync(call.Deadline);
            }

            return box;
        }

        JsValue[] nativeArguments = kind switch
        {
            ScriptKind.Login => [subject, new JsString(password), contextObject],
            ScriptKind.GetUser => [subject, contextObject],
            ScriptKind.ListUsers => [subject, new JsNumber(limit), contextObject],
            _ => [contextObject],
        };
        var returned = engine.Invoke(target, nativeArguments);
        if (!returned.IsPromise())
        {
            return reader(returned);
        }

        // Read the result inside a reaction, on the engine thread, rather than after the engine has been left.
        var result = new Settled(null, null, false);
        var onValue = new ClrFunction(engine, "", (_, args) => { result = reader(ScriptValues.Arg(args, 0)); return JsValue.Undefined; }, 1, PropertyFlag.Configurable);
        var onError = new ClrFunction(engine, "", (_, args) => { result = new Settled(null, ScriptError.From(ScriptValues.Arg(args, 0)), true); return JsValue.Undefined; }, 1, PropertyFlag.Configurable);
        var then = engine.GetValue("Promise").Get("prototype").Get("then");
        await then.Call(returned, [onValue, onError]).UnwrapIfPromiseAsync(call.Deadline);
        return result;
    }

    private static Func<JsValue, Settled> ValueReader(ScriptKind kind, CancellationToken deadline) => value =>
    {
        if (value.IsNull() || value.IsUndefined())
        {
            return new Settled(null, null, true);
        }

        if (kind == ScriptKind.CountUsers)
        {
            return new Settled(value.IsNumber() ? value.AsNumber() : value.ToString(), null, true);
        }

        try
        {
            // A page is a few levels deeper than a profile (page, users, user, metadata); the size caps still hold.
            return new Settled(kind == ScriptKind.ListUsers ? ScriptValues.ToPlain(value, 34, deadline) : ScriptValues.ToPlain(value), null, true);
        }
        catch (ScriptHostException ex)
        {
            return new Settled(new InvalidValue(ex.Message), null, true);
        }
    };

    private static JsValue AuthingQuery(Engine engine, string identifier) =>
        ScriptValues.ToJs(engine, new Dictionary<string, object?>
        {
            ["email"] = identifier.Contains('@', StringComparison.Ordinal) ? identifier : null,
            ["username"] = identifier.Contains('@', StringComparison.Ordinal) ? null : identifier,
            ["phone"] = PhoneNumber().IsMatch(identifier) ? identifier : null,
        });

    private static ScriptOutcome Interpret(ScriptCall call, ScriptStyle style, ScriptKind kind, Settled settled, int limit)
    {
        // Security: once a database or HTTP call of the run failed, nothing the script says afterwards is a verdict
        // about the user. Templates rewrap every error (Authing's "Execute query failed: relation "users" does not
        // exist" would read as an unknown user, "password authentication failed for user" as a wrong password) or
        // swallow it and return null; an unknown user lets registration take a legacy user's address, a wrong
        // password is counted against the person. So the run fails, whatever it returned, in every style.
        if (call.FailedLegacyCall is { } failure)
        {
            var reason = call.LegacyFault ? ScriptFailureReason.LegacyUnavailable : ScriptFailureReason.ScriptError;
            if (settled.Error is { } thrown)
            {
                // The script's own error usually carries the failure (rewrapped); when it does not (a
                // WrongUsernameOrPasswordError after a 503), the admin needs the failure itself.
                var message = thrown.Message.Contains(failure, StringComparison.Ordinal) || failure.Contains(thrown.Message, StringComparison.Ordinal)
                    ? (reason == ScriptFailureReason.LegacyUnavailable ? thrown.Message : $"{thrown.Name}: {thrown.Message}")
                    : $"a legacy call failed ({failure}); the script then ended with {thrown.Name}: {thrown.Message}, which is not trusted after a failed call";
                return new ScriptOutcome.Failed(reason, message, thrown.Line, thrown.Column);
            }

            return new ScriptOutcome.Failed(reason, $"a legacy call failed ({failure}); the script went on, but its answer is not trusted after a failed call");
        }

        if (settled.Error is { } error)
        {
            if (kind != ScriptKind.ListUsers && (error.Is("WrongUsernameOrPasswordError") || (style == ScriptStyle.Auth0 && error.Is("UnauthorizedError"))))
            {
                return kind == ScriptKind.Login ? new ScriptOutcome.WrongPassword() : new ScriptOutcome.UnknownUser();
            }

            // Authing's templates signal outcomes with plain Errors; their messages are the only clue.
            if (style == ScriptStyle.Authing && kind != ScriptKind.ListUsers && error.Is("Error"))
            {
                if (AuthingUnknownUser().IsMatch(error.Message))
                {
                    return new ScriptOutcome.UnknownUser();
                }

                if (kind == ScriptKind.Login && AuthingWrongPassword().IsMatch(error.Message))
                {
                    return new ScriptOutcome.WrongPassword();
                }
            }

            return call.LegacyFault
                ? new ScriptOutcome.Failed(ScriptFailureReason.LegacyUnavailable, error.Message, error.Line, error.Column)
                : new ScriptOutcome.Failed(ScriptFailureReason.ScriptError, $"{error.Name}: {error.Message}", error.Line, error.Column);
        }

        if (kind == ScriptKind.ListUsers)
        {
            return settled.Value is InvalidValue bad
                ? new ScriptOutcome.Failed(ScriptFailureReason.InvalidProfile, bad.Message)
                : UserPageReader.Read(settled.Value, limit);
        }

        switch (settled.Value)
        {
            case null:
                return kind == ScriptKind.CountUsers
                    ? new ScriptOutcome.Failed(ScriptFailureReason.ScriptError, "countUsers returned no number")
                    : new ScriptOutcome.UnknownUser();
            case InvalidValue invalid:
                return new ScriptOutcome.Failed(ScriptFailureReason.InvalidProfile, invalid.Message);
        }

        if (kind == ScriptKind.CountUsers)
        {
            return settled.Value switch
            {
                double d when d >= 0 && Math.Floor(d) == d => new ScriptOutcome.Counted((long)d),
                string s when long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) => new ScriptOutcome.Counted(n),
                _ => new ScriptOutcome.Failed(ScriptFailureReason.ScriptError, "countUsers must return a whole number"),
            };
        }

        if (settled.Value is not IReadOnlyDictionary<string, object?> fields)
        {
            return new ScriptOutcome.Failed(ScriptFailureReason.InvalidProfile, "the script returned something other than a profile object or null");
        }

        var (profile, problem) = ProfileNormaliser.Normalise(fields);
        return profile is null
            ? new ScriptOutcome.Failed(ScriptFailureReason.InvalidProfile, problem!)
            : new ScriptOutcome.Found(profile);
    }

    private static string Describe(ScriptKind kind) => kind switch
    {
        ScriptKind.Login => "login",
        ScriptKind.GetUser => "getUser",
        ScriptKind.ListUsers => "listUsers",
        _ => "countUsers",
    };

    [GeneratedRegex(@"^\+?[0-9 ()-]{6,}$")]
    private static partial Regex PhoneNumber();

    [GeneratedRegex(@"not exist|not found|no such user|unknown user", RegexOptions.IgnoreCase)]
    private static partial Regex AuthingUnknownUser();

    [GeneratedRegex(@"password|credential", RegexOptions.IgnoreCase)]
    private static partial Regex AuthingWrongPassword();

    /// <summary>How the script's function ended: a plain value, or an error it threw or called back with.</summary>
    private sealed record Settled(object? Value, ScriptError? Error, bool Done);

    /// <summary>A returned value that could not be read as plain data (a cycle, a function, too deep).</summary>
    private sealed record InvalidValue(string Message);
}
