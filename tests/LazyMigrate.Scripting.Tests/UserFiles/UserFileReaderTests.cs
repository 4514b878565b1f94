using System.Text;
using LazyMigrate.Scripting.Crypto;
using LazyMigrate.Scripting.UserFiles;
using LazyMigrate.Testing;

namespace LazyMigrate.Scripting.Tests.UserFiles;

/// <summary>The import file readers, on generated files of every format: rows, lines, refusals, resuming and detection.</summary>
public sealed class UserFileReaderTests
{
    private const int Rows = 10_000;

    public static TheoryData<string> Formats => ["auth0", "jsonl", "fusionauth", "csv"];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Read_TenThousandRows_EveryRowWithItsLineAndAVerifyingHash(string name)
    {
        var (format, users, text) = Sample(name, Rows);
        Assert.Equal(format, UserFileFormats.Detect(Encoding.UTF8.GetBytes(text[..Math.Min(text.Length, 4096)])));

        var rows = await ReadAllAsync(text, format);

        Assert.Equal(Rows, rows.Count);
        Assert.All(rows, row => Assert.Null(row.Refusal));
        Assert.Equal(users.Select(u => u.Email), rows.Select(r => r.Profile!.Email));
        var lines = rows.Select(r => long.Parse(r.Position["line ".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(lines.Order(), lines);
        Assert.Equal(lines.Count, lines.Distinct().Count());
        // The first user starts on line 2 everywhere: after "[", after the CSV header, after "{" ... no: JSON Lines start at 1.
        Assert.Equal(format == UserFileFormat.JsonLines ? 1 : format == UserFileFormat.FusionAuth ? 4 : 2, lines[0]);
        foreach (var i in new[] { 0, 1, 2, 3, 4, Rows / 2, Rows - 1 })
        {
            var (user, row) = (users[i], rows[i]);
            if (user.Hash == SampleHash.None)
            {
                Assert.Null(row.PasswordHash);
                continue;
            }

            Assert.True(LegacyPasswordVerifier.Verify(user.Password, row.PasswordHash!), $"{name} row {i} ({user.Hash}) does not verify");
            Assert.False(LegacyPasswordVerifier.Verify(user.Password + "x", row.PasswordHash!));
        }

        Assert.Equal(Rows, await UserFileReader.CountAsync(Stream(text), format, TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Read_FromACheckpoint_ReturnsOnlyTheRowsAfterIt(string name)
    {
        var (format, users, text) = Sample(name, 50);

        var rows = new List<ImportRow>();
        await foreach (var row in UserFileReader.ReadAsync(Stream(text), format, skip: 45, cancellationToken: TestContext.Current.CancellationToken))
        {
            rows.Add(row);
        }

        Assert.Equal(users.Skip(45).Select(u => u.Email), rows.Select(r => r.Profile!.Email));
    }

    [Fact]
    public async Task Read_BadRows_AreRefusedWithTheirLineAndReasonAndTheRestGoOn()
    {
        var good = SampleUserFiles.Auth0(SampleUserFiles.Users(1, "bad")[0]).ToJsonString();
        var lines = new[]
        {
            good,
            "{not json",
            """{"email":"a@bulk.example","pasword_hash":"x"}""",
            """{"email":"not an address"}""",
            """{"email":"b@bulk.example","password_hash":"$2b$04$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234","custom_password_hash":{"algorithm":"md5","hash":{"value":"00"}}}""",
            """{"email":"c@bulk.example","password_hash":"$2b$31$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234"}""",
            """{"user_id":"u7","email_verified":true}""",
            """{"email":"d@bulk.example","email_verified":"yes"}""",
            """{"email":"e@bulk.example","custom_password_hash":{"algorithm":"rot13","hash":{"value":"abc"}}}""",
            """{"email":"F@Bulk.Example"}""",
        };

        var rows = await ReadAllAsync(string.Join('\n', lines) + "\n", UserFileFormat.JsonLines);

        Assert.Equal(
            [(null, "line 1"), ("InvalidJson", "line 2"), ("UnknownField", "line 3"), ("InvalidEmail", "line 4"), ("AmbiguousHash", "line 5"),
                ("InvalidHash", "line 6"), ("MissingEmail", "line 7"), ("InvalidField", "line 8"), ("InvalidHash", "line 9"), (null, "line 10")],
            rows.Select(r => (r.Refusal?.Reason, r.Position)).ToList());
        // A refusal names the field or the limit, never the hash; the row's address and id come along for the report.
        Assert.Contains("pasword_hash", rows[2].Refusal!.Detail, StringComparison.Ordinal);
        Assert.Contains("31", rows[5].Refusal!.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdefghijklmnopqrstuu", rows[5].Refusal!.Detail, StringComparison.Ordinal);
        Assert.Equal("c@bulk.example", rows[5].Profile!.Email);
        Assert.Equal("u7", rows[6].Profile!.Id);
        // Without a user_id the address stands for it, so the same row always gets the same identity.
        Assert.Equal("f@bulk.example", rows[9].Profile!.Id);
    }

    [Fact]
    public async Task Read_ARowLargerThanTheBuffer_IsReadWholeAndLinesStayRight()
    {
        var users = SampleUserFiles.Users(3, "big", SampleHash.Md5);
        var rows = users.Select(SampleUserFiles.Auth0).ToList();
        rows[1]["user_metadata"] = new System.Text.Json.Nodes.JsonObject { ["blob"] = new string('x', 300_000) };
        var text = "[\n" + string.Join(",\n", rows.Select(r => r.ToJsonString())) + "\n]";

        var read = await ReadAllAsync(text, UserFileFormat.Auth0);

        Assert.Equal(["line 2", "line 3", "line 4"], read.Select(r => r.Position));
        Assert.Equal(300_000, read[1].Profile!.UserMetadata!["blob"]!.GetValue<string>().Length);
    }

    [Fact]
    public async Task Read_CsvWithAColumnMapping_ReadsTheMappedColumnsAndRefusesShortRows()
    {
        const string text = "E-Mail;Login;Vorname\nada@bulk.example;ada;Ada\nshort@bulk.example\n";
        var columns = new CsvColumns(new Dictionary<string, string> { ["email"] = "E-Mail", ["username"] = "Login", ["given_name"] = "Vorname" });

        var rows = new List<ImportRow>();
        await foreach (var row in UserFileReader.ReadAsync(Stream(text), UserFileFormat.Csv, columns, cancellationToken: TestContext.Current.CancellationToken))
        {
            rows.Add(row);
        }

        Assert.Equal("ada", rows[0].Profile!.Username);
        Assert.Equal("Ada", rows[0].Profile!.GivenName);
        Assert.Equal(("InvalidRow", "line 3"), (rows[1].Refusal?.Reason, rows[1].Position));
    }

    [Fact]
    public async Task Read_ABrokenJsonArray_StopsWithTheLine()
    {
        var text = "[\n" + SampleUserFiles.Auth0(SampleUserFiles.Users(1, "broken")[0]).ToJsonString() + ",\n{\"email\": }\n]";

        var error = await Assert.ThrowsAsync<System.Text.Json.JsonException>(() => ReadAllAsync(text, UserFileFormat.Auth0));

        Assert.Contains("3", error.Message, StringComparison.Ordinal);
    }

    private static (UserFileFormat Format, IReadOnlyList<SampleUser> Users, string Text) Sample(string name, int count) => name switch
    {
        "auth0" => Pair(UserFileFormat.Auth0, SampleUserFiles.Users(count, name), SampleUserFiles.Auth0Json),
        "jsonl" => Pair(UserFileFormat.JsonLines, SampleUserFiles.Users(count, name), SampleUserFiles.JsonLines),
        "fusionauth" => Pair(UserFileFormat.FusionAuth, SampleUserFiles.Users(count, name, SampleHash.Bcrypt, SampleHash.None, SampleHash.None,
            SampleHash.None, SampleHash.None, SampleHash.None, SampleHash.None, SampleHash.None, SampleHash.None, SampleHash.None), SampleUserFiles.FusionAuth),
        _ => Pair(UserFileFormat.Csv, SampleUserFiles.Users(count, name), SampleUserFiles.Csv),
    };

    private static (UserFileFormat, IReadOnlyList<SampleUser>, string) Pair(UserFileFormat format, IReadOnlyList<SampleUser> users, Func<IEnumerable<SampleUser>, string> write) =>
        (format, users, write(users));

    [Fact]
    public async Task FusionAuth_EverySchemeReadsAsTheSharedVerifiersDefineIt()
    {
        // FusionAuth's own load-test example (salted-sha256, factor 1, "password123"), and its salted-pbkdf2 and
        // bcrypt users the way FusionAuth keeps them: factor, base64 salt (bcrypt: the 22 characters after the cost)
        // and the hash apart. Vectors as in Crypto/OtherFormatTests.
        var text = """
            {"users": [
              {"email": "sha@example.com", "password": "KGRZ7l/GeMtj2oQVXXatV4ODFXgpJA8iW6z1Kzvr0FQ=", "salt": "ZjFuZDFuZ24zbTA=", "encryptionScheme": "salted-sha256", "factor": 1},
              {"email": "pbkdf2@example.com", "password": "tOfvliNk9XjE9h2gFN0B58LN3pEtjfOqwm5fzNK0hno=", "salt": "ZnVzaW9uLXNhbHQtMDEyMw==", "encryptionScheme": "salted-pbkdf2-hmac-sha256", "factor": 24000},
              {"email": "nofactor@example.com", "password": "KGRZ7l/GeMtj2oQVXXatV4ODFXgpJA8iW6z1Kzvr0FQ=", "salt": "ZjFuZDFuZ24zbTA=", "encryptionScheme": "salted-sha256"},
              {"email": "phpass@example.com", "password": "aGFzaA==", "salt": "c2FsdA==", "encryptionScheme": "phpass-md5", "factor": 8}
            ]}
            """;

        var rows = await ReadAllAsync(text, UserFileFormat.FusionAuth);

        Assert.True(LegacyPasswordVerifier.Verify("password123", rows[0].PasswordHash!));
        Assert.False(LegacyPasswordVerifier.Verify("password124", rows[0].PasswordHash!));
        Assert.Equal("pbkdf2-sha256", rows[1].PasswordHash!.Format);
        Assert.Equal(("InvalidField", "factor is missing (on the user or the request)"), (rows[2].Refusal!.Reason, rows[2].Refusal!.Detail));
        Assert.Equal("InvalidHash", rows[3].Refusal!.Reason);
        Assert.Contains("phpass-md5", rows[3].Refusal!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_NamedFormatsTakeTheirSaltAndSettingsFromTheirColumns()
    {
        // Auth0's documented salted-md5 example ("password", salt "salt" before it), a hex sha256 with the salt after
        // the password (Node: createHash('sha256').update('correct horse 9' + 'pepper').digest('hex')), and a
        // self-describing bcrypt string with no hash_algorithm.
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("correct horse 9pepper")));
        var bcrypt = BCrypt.Net.BCrypt.HashPassword("correct horse 9", 4);
        var text = $"""
            email,password_hash,hash_algorithm,hash_encoding,salt,salt_position
            md5@example.com,67A1E09BB1F83F5007DC119C14D663AA,md5,hex,salt,prefix
            sha@example.com,{sha},sha256,hex,pepper,suffix
            bcrypt@example.com,{bcrypt},,,,
            odd@example.com,abc,rot13,,,
            """;

        var rows = await ReadAllAsync(text, UserFileFormat.Csv);

        Assert.True(LegacyPasswordVerifier.Verify("password", rows[0].PasswordHash!));
        Assert.True(LegacyPasswordVerifier.Verify("correct horse 9", rows[1].PasswordHash!));
        Assert.False(LegacyPasswordVerifier.Verify("correct horse 8", rows[1].PasswordHash!));
        Assert.True(LegacyPasswordVerifier.Verify("correct horse 9", rows[2].PasswordHash!));
        Assert.Equal("InvalidHash", rows[3].Refusal!.Reason);
        Assert.Contains("rot13", rows[3].Refusal!.Detail, StringComparison.Ordinal);
    }

    private static async Task<List<ImportRow>> ReadAllAsync(string text, UserFileFormat format)
    {
        var rows = new List<ImportRow>();
        await foreach (var row in UserFileReader.ReadAsync(Stream(text), format, cancellationToken: TestContext.Current.CancellationToken))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A stream that hands out a few bytes at a time, as a network or database stream may.</summary>
    private static TrickleStream Stream(string text) => new TrickleStream(Encoding.UTF8.GetBytes(text));

    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7_777)], cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7_777));
    }
}
