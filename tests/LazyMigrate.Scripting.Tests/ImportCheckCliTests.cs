using LazyMigrate.Cli;

namespace LazyMigrate.Scripting.Tests;

/// <summary><c>lazymigrate import check</c>: a users file read offline, as the server's import would read it.</summary>
public sealed class ImportCheckCliTests : IDisposable
{
    // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils)
    private const string BcryptHash = "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC";

    private readonly string _directory = Directory.CreateTempSubdirectory("lazymigrate-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<(int Code, string Output, string Error)> CheckAsync(string content, params string[] args)
    {
        var path = Path.Combine(_directory, "users.jsonl");
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CommandLine.RunAsync(["import", "check", path, .. args], output, error, cancellationToken: TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    private static readonly string File3 = string.Join('\n',
        $$"""{"user_id":"1","email":"ada@legacy.example","password_hash":"{{BcryptHash}}"}""",
        """{"user_id":"2","email":"grace@legacy.example","custom_password_hash":{"algorithm":"md5","hash":{"value":"5f4dcc3b5aa765d61d8327deb882cf99","encoding":"hex"}}}""",
        """{"user_id":"3","email":"alan@legacy.example"}""",
        """{"user_id":"4","email":"typo@legacy.example","pasword_hash":"x"}""",
        "not json at all") + "\n";

    [Fact]
    public async Task Check_CountsRowsByHashFormat_ListsRefusedRowsWithTheirLine_AndVerifiesSamples()
    {
        var (code, output, _) = await CheckAsync(File3, "--sample", "ada@legacy.example:correct horse 9", "--sample", "grace@legacy.example:password");

        Assert.Equal(1, code);
        Assert.Contains("users.jsonl: jsonl, 5 rows, 3 importable", output, StringComparison.Ordinal);
        Assert.Matches(@"bcrypt\s+1", output);
        Assert.Matches(@"md5\s+1", output);
        Assert.Matches(@"none \(reset required\)\s+1", output);
        Assert.Contains("line 4: UnknownField", output, StringComparison.Ordinal);
        Assert.Contains("line 5: InvalidJson", output, StringComparison.Ordinal);
        Assert.Contains("ada@legacy.example: verifies", output, StringComparison.Ordinal);
        Assert.Contains("grace@legacy.example: verifies", output, StringComparison.Ordinal);
        Assert.DoesNotContain(BcryptHash, output, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse 9", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ASampleWhosePasswordDoesNotVerify_ExitsOne_AndSaysSo()
    {
        var clean = string.Join('\n', File3.Split('\n').Take(3)) + "\n";

        var good = await CheckAsync(clean, "--sample", "ada@legacy.example:correct horse 9");
        var bad = await CheckAsync(clean, "--sample", "ada@legacy.example:not the password", "--sample", "alan@legacy.example:x", "--sample", "nobody@legacy.example:x");

        Assert.True(good.Code == 0, good.Output + good.Error);
        Assert.Equal(1, bad.Code);
        Assert.Contains("ada@legacy.example: the password does not verify", bad.Output, StringComparison.Ordinal);
        Assert.Contains("alan@legacy.example: no password hash", bad.Output, StringComparison.Ordinal);
        Assert.Contains("nobody@legacy.example: not in the file", bad.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ABadSample_IsAUsageError_ThatDoesNotEchoIt()
    {
        var (code, _, error) = await CheckAsync(File3, "--sample", "not-an-address:secret-value");

        Assert.Equal(2, code);
        Assert.Contains("EMAIL:PASSWORD", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", error, StringComparison.Ordinal);
    }
}
