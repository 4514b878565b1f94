using System.CommandLine;

namespace LazyMigrate.Cli;

public static partial class ImportCommands
{
    /// <summary><c>import check FILE [--sample EMAIL:PASSWORD]...</c>: the file read offline, as the server would read it.</summary>
    private static Command CreateCheck(TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("FILE") { Description = "the users file" };
        var command = new Command("check", "read a users file offline: formats, counts, refused rows, sample passwords") { file };
        command.SetAction(async (parsed, token) =>
        {
            await error.WriteLineAsync("lazymigrate: import check needs the file readers of the import jobs");
            return ScriptCommands.Failure;
        });
        return command;
    }
}
