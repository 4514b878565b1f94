using System.Net;
using LazyMigrate.Server.Tests.Fixtures;

namespace LazyMigrate.Server.Tests.Account;

/// <summary>Registration and reset requests are limited per address and per client address, across every node.</summary>
public sealed class AccountRateLimitTests(LegacyServerFixture fixture) : IClassFixture<LegacyServerFixture>
{
    [Fact]
    public async Task Registration_OfOneAddressOverAndOver_IsLimited()
    {
        var email = $"again-{Guid.NewGuid():N}@tests.example";
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await RegisterAsync(email, $"198.51.100.{i + 1}")).Status);
        }

        Assert.All(statuses.Take(5), status => Assert.NotEqual(HttpStatusCode.TooManyRequests, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[5]);
    }

    [Fact]
    public async Task Reset_OfOneAddressOverAndOver_IsLimited_WhetherOrNotItExists()
    {
        var unknown = $"nobody-{Guid.NewGuid():N}@tests.example";
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await RequestResetAsync(unknown, $"198.51.101.{i + 1}")).Status);
        }

        Assert.All(statuses.Take(3), status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[3]);
    }

    [Fact]
    public async Task Reset_FromOneClientForManyAddresses_IsLimited_OtherClientsAreNot()
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 21; i++)
        {
            statuses.Add((await RequestResetAsync($"many-{i}-{Guid.NewGuid():N}@tests.example", "198.51.102.1")).Status);
        }

        var other = await RequestResetAsync($"other-{Guid.NewGuid():N}@tests.example", "198.51.102.2");

        Assert.All(statuses.Take(20), status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[20]);
        Assert.Equal(HttpStatusCode.OK, other.Status);
    }

    [Fact]
    public async Task Reset_LimitPerAddress_IsTheDeploymentsNotEachNodes()
    {
        await using var other = fixture.CreateNode();
        var email = $"spread-{Guid.NewGuid():N}@tests.example";
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            // Behind a load balancer the requests land on either node.
            using var browser = new Browser(i % 2 == 0 ? fixture.Server : other).From($"198.51.103.{i + 1}");
            statuses.Add((await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = email })).Status);
        }

        Assert.All(statuses.Take(3), status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[3]);
    }

    private async Task<Page> RegisterAsync(string email, string address)
    {
        using var browser = fixture.CreateBrowser().From(address);
        return await browser.SubmitAsync(await browser.NavigateAsync("/Account/Register"), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = "a perfectly good password",
            ["Input.ConfirmPassword"] = "a perfectly good password",
        });
    }

    private async Task<Page> RequestResetAsync(string email, string address)
    {
        using var browser = fixture.CreateBrowser().From(address);
        return await browser.SubmitAsync(await browser.NavigateAsync("/Account/ForgotPassword"), new Dictionary<string, string> { ["Email"] = email });
    }
}
