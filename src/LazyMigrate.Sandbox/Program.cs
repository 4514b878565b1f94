using LazyMigrate.Scripting.Workers;

// stdin and stdout carry the protocol and nothing else: anything written with Console goes to stderr, which the
// server keeps for the reason a worker died.
var input = Console.OpenStandardInput();
var output = Console.OpenStandardOutput();
Console.SetOut(Console.Error);

try
{
    return await SandboxWorkerHost.RunAsync(input, output);
}
catch (IOException)
{
    // The server went away mid-frame: nothing left to serve.
    return 0;
}
