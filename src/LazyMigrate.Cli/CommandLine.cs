using System.CommandLine;

namespace LazyMigrate.Cli;

/// <summary>
/// <c>lazymigrate</c>: <c>script try|check</c> offline, <c>import check</c> offline, and <c>import</c> and
/// <c>export</c> as a client of a server's management API. Exit codes: 0 success, 1 done but not everything was
/// accepted (unknown user, refused rows), 2 failure (including a usage error).
/// </summary>
public static class CommandLine
{
    /// <param name="handler">How requests reach the server; null for the network (tests pass an in-memory server's).</param>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpMessageHandler? handler = null, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("LazyMigrate command line")
        {
            ScriptCommands.Create(output, error),
            ImportCommands.Create(output, error, handler),
            ExportCommand.Create(output, error, handler),
        };

        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }

            return ScriptCommands.Failure;
        }

        // Our failures reach the catch below (one line, exit 2) instead of the library's handler (a stack trace, exit 1).
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        try
        {
            return await parseResult.InvokeAsync(configuration, cancellationToken);
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync("lazymigrate: " + ex.Message);
            return ScriptCommands.Failure;
        }
    }
}
