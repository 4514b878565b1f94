using LazyMigrate.Server.Tests.Fixtures;
using Npgsql;

namespace LazyMigrate.Server.Tests.Login;

public class PasswordFreeLogTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task NoPasswordOrConnectionSecret_ReachesTheLogs_WhateverTheOutcome()
    {
        var imported = await fixture.Legacy.AddUserAsync("Zebra-Imported-Secret-42");
        var wrong = await fixture.Legacy.AddUserAsync("Zebra-Never-Typed-Secret-43");
        var local = await fixture.Server.Services.CreateUserAsync("Zebra-Local-Secret-44");
        string[] typed = ["Zebra-Imported-Secret-42", "Zebra-Wrong-Guess-45", "Zebra-Unknown-User-46", "Zebra-Local-Secret-44", "Zebra-Register-Secret-47"];

        await fixture.LogInAsync(imported.Email, typed[0]);
        await fixture.LogInAsync(imported.Email, typed[0]);
        await fixture.LogInAsync(wrong.Email, typed[1]);
        await fixture.LogInAsync($"nobody-{Guid.NewGuid():N}@legacy.example", typed[2]);
        await fixture.LogInAsync(local.Email, typed[3]);
        using (var browser = fixture.CreateBrowser())
        {
            await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), new Dictionary<string, string>
            {
                ["Input.Email"] = imported.Email,
                ["Input.Password"] = typed[4],
                ["Input.ConfirmPassword"] = typed[4],
            });
        }

        var log = fixture.Log.Text;
        Assert.Contains("Imported user", log, StringComparison.Ordinal);
        foreach (var secret in typed.Append(wrong.Password).Append(new NpgsqlConnectionStringBuilder(fixture.Legacy.ConnectionString).Password!))
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
        }
    }
}
