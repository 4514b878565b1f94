using System.CommandLine;

namespace LazyMigrate.Cli;

/// <summary>
/// Where the server is and which machine client to be: <c>--server</c>, <c>--client-id</c>, <c>--client-secret</c>, or
/// the environment variables <c>LAZYMIGRATE_SERVER</c>, <c>LAZYMIGRATE_CLIENT_ID</c> and <c>LAZYMIGRATE_CLIENT_SECRET</c>
/// (a secret in the environment stays out of the shell history and the process list).
/// </summary>
public sealed class ServerOptions
{
    public Option<string?> Server { get; } = new("--server") { Description = "the server's base URL (or LAZYMIGRATE_SERVER)" };

    public Option<string?> ClientId { get; } = new("--client-id") { Description = "a machine client's id (or LAZYMIGRATE_CLIENT_ID)" };

    public Option<string?> ClientSecret { get; } = new("--client-secret") { Description = "its secret (or LAZYMIGRATE_CLIENT_SECRET)" };

    public Option<double> PollInterval { get; } = new("--poll-interval") { Description = "seconds between progress checks", DefaultValueFactory = _ => 1 };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(ClientId);
        command.Options.Add(ClientSecret);
        command.Options.Add(PollInterval);
    }

    public TimeSpan Interval(ParseResult parsed) => TimeSpan.FromSeconds(Math.Clamp(parsed.GetValue(PollInterval), 0.05, 60));

    public Task<ManagementClient> ConnectAsync(ParseResult parsed, string scope, HttpMessageHandler? handler, CancellationToken cancellationToken)
    {
        var url = parsed.GetValue(Server) ?? Environment.GetEnvironmentVariable("LAZYMIGRATE_SERVER")
            ?? throw new CliException("--server (or LAZYMIGRATE_SERVER) is required");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var server) || server.Scheme is not ("http" or "https"))
        {
            throw new CliException($"--server {url}: expected an http or https URL");
        }

        var clientId = parsed.GetValue(ClientId) ?? Environment.GetEnvironmentVariable("LAZYMIGRATE_CLIENT_ID")
            ?? throw new CliException("--client-id (or LAZYMIGRATE_CLIENT_ID) is required");
        var secret = parsed.GetValue(ClientSecret) ?? Environment.GetEnvironmentVariable("LAZYMIGRATE_CLIENT_SECRET")
            ?? throw new CliException("--client-secret (or LAZYMIGRATE_CLIENT_SECRET) is required");
        // The API's paths are relative to the base: keep a trailing slash so /prefix/ servers work too.
        var baseAddress = server.AbsoluteUri.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
        return ManagementClient.ConnectAsync(baseAddress, clientId, secret, scope, handler, cancellationToken);
    }
}
