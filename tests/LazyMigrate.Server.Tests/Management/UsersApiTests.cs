using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LazyMigrate.Server.Data;
using LazyMigrate.Server.Tests.Fixtures;
using Microsoft.EntityFrameworkCore;

namespace LazyMigrate.Server.Tests.Management;

public class UsersApiTests(ManagementApiFixture fixture) : IClassFixture<ManagementApiFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Paging_VisitsEveryUserExactlyOnce_WhileUsersAreBeingAdded()
    {
        // A year of its own keeps this test's users apart from every other test's.
        var year = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var original = await SeedAsync(1000, year, "paging");
        using var http = await fixture.ApiAsync("read:users");

        var seen = new List<Guid>();
        var url = "/api/v1/users?createdFrom=2001-01-01T00:00:00Z&createdTo=2002-01-01T00:00:00Z&limit=37&fields=id,createdAt";
        var pages = 0;
        while (url is not null)
        {
            var page = await http.GetFromJsonAsync<JsonElement>(url, Ct);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));
            Assert.True(page.GetProperty("total").GetInt32() >= 1000);
            url = page.GetProperty("next").GetString()!;
            // New users land everywhere in the order, before and after the cursor, as they would under offset paging's feet.
            await SeedAsync(5, year, $"added{pages++}");
        }

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Empty(original.Except(seen));
        Assert.True(pages >= 1000 / 37);
    }

    [Fact]
    public async Task Paging_InEverySortOrder_IsComplete()
    {
        var year = new DateTimeOffset(2002, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var original = await SeedAsync(60, year, "sorted");
        using var http = await fixture.ApiAsync("read:users");
        foreach (var sort in new[] { "createdAt", "-createdAt", "email", "-email" })
        {
            var seen = new List<JsonElement>();
            string? url = $"/api/v1/users?createdFrom=2002-01-01T00:00:00Z&createdTo=2003-01-01T00:00:00Z&limit=7&sort={sort}";
            while (url is not null)
            {
                var page = await http.GetFromJsonAsync<JsonElement>(url, Ct);
                seen.AddRange(page.GetProperty("items").EnumerateArray());
                url = page.GetProperty("next").GetString();
            }

            Assert.Equal(original.Order(), seen.Select(u => u.GetProperty("id").GetGuid()).Order());
            var keys = seen.Select(u => sort.TrimStart('-') == "email" ? u.GetProperty("email").GetString()!.ToUpperInvariant() : u.GetProperty("createdAt").GetDateTimeOffset().UtcTicks.ToString("D20", System.Globalization.CultureInfo.InvariantCulture)).ToList();
            var expected = sort.StartsWith('-') ? keys.OrderDescending(StringComparer.Ordinal) : keys.Order(StringComparer.Ordinal);
            Assert.Equal(expected, keys);
        }
    }

    [Fact]
    public async Task Search_FindsByEmailPrefix_AndNameSubstring_CaseInsensitively()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        await CreateAsync($"zelda.{marker}@search.example", "Zelda Fitzgerald");
        await CreateAsync($"scott.{marker}@search.example", "Francis Scott Fitzgerald");
        await CreateAsync($"ernest.{marker}@search.example", "Ernest Hemingway");
        using var http = await fixture.ApiAsync("read:users");

        async Task<List<string>> Search(string q) =>
            (await http.GetFromJsonAsync<JsonElement>($"/api/v1/users?q={Uri.EscapeDataString(q)}&limit=200", Ct))
            .GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()!).Where(e => e.Contains(marker, StringComparison.Ordinal)).Order().ToList();

        Assert.Equal([$"zelda.{marker}@search.example"], await Search($"ZELDA.{marker[..4]}"));
        Assert.Equal([$"scott.{marker}@search.example", $"zelda.{marker}@search.example"], await Search("tzGER"));
        Assert.Equal([$"ernest.{marker}@search.example"], await Search("mingw"));
        Assert.Equal(3, (await Search(marker)).Count);
        // A search pages like a list: one match per page, every match once, in order.
        var paged = new List<string>();
        string? url = $"/api/v1/users?q={marker}&limit=1&sort=-email";
        while (url is not null)
        {
            var page = await http.GetFromJsonAsync<JsonElement>(url, Ct);
            Assert.Equal(3, page.GetProperty("total").GetInt32());
            paged.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("email").GetString()!));
            url = page.GetProperty("next").GetString();
        }

        Assert.Equal((await Search(marker)).OrderDescending(StringComparer.Ordinal), paged);

        // LIKE wildcards are literal: '%' matches nothing here.
        Assert.Empty(await Search("%" + marker));
    }

    [Fact]
    public async Task MigratedFilter_PartitionsTheUsers()
    {
        var legacy = await fixture.Legacy.AddUserAsync("moving over now");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        await CreateAsync($"native-{Guid.NewGuid():N}@partition.example", "Native Person");
        using var http = await fixture.ApiAsync("read:users");

        async Task<HashSet<Guid>> All(string filter)
        {
            var ids = new HashSet<Guid>();
            string? url = $"/api/v1/users?limit=200&fields=id,migratedAt,connection{filter}";
            while (url is not null)
            {
                var page = await http.GetFromJsonAsync<JsonElement>(url, Ct);
                foreach (var user in page.GetProperty("items").EnumerateArray())
                {
                    ids.Add(user.GetProperty("id").GetGuid());
                    if (filter == "&migrated=true")
                    {
                        Assert.Equal("legacy", user.GetProperty("connection").GetString());
                    }
                }

                url = page.GetProperty("next").GetString();
            }

            return ids;
        }

        var everyone = await All("");
        var migrated = await All("&migrated=true");
        var native = await All("&migrated=false");
        Assert.NotEmpty(migrated);
        Assert.NotEmpty(native);
        Assert.Empty(migrated.Intersect(native));
        Assert.Superset(everyone, migrated.Union(native).ToHashSet());
        var imported = await fixture.WithDatabaseAsync(db => db.Users.SingleAsync(u => u.Identities.Any(i => i.LegacyId == legacy.Id), Ct));
        Assert.Contains(imported.Id, migrated);
        Assert.Contains(imported.Id, await All("&connection=legacy"));
    }

    [Fact]
    public async Task GetById_AndByEmail_ReturnTheUser_WithoutSecrets()
    {
        var created = await CreateAsync($"Reader.{Guid.NewGuid():N}@get.example", "Read Me");
        using var http = await fixture.ApiAsync("read:users");

        var byId = await http.GetFromJsonAsync<JsonElement>($"/api/v1/users/{created.GetProperty("id").GetGuid()}", Ct);
        var byEmail = await http.GetFromJsonAsync<JsonElement>($"/api/v1/users/by-email?email={Uri.EscapeDataString(created.GetProperty("email").GetString()!.ToUpperInvariant())}", Ct);
        Assert.Equal(created.GetProperty("id").GetGuid(), byEmail.GetProperty("id").GetGuid());
        Assert.Equal("Read Me", byId.GetProperty("name").GetString());
        Assert.False(byId.TryGetProperty("passwordHash", out _));
        Assert.False(byId.TryGetProperty("securityStamp", out _));

        using var missing = await http.GetAsync($"/api/v1/users/{Guid.NewGuid()}", Ct);
        await missing.ProblemAsync(HttpStatusCode.NotFound);
        using var notAnId = await http.GetAsync("/api/v1/users/not-a-guid", Ct);
        Assert.Equal(HttpStatusCode.NotFound, notAnId.StatusCode);
    }

    [Fact]
    public async Task Create_RunsTheRegistrationChecks()
    {
        using var http = await fixture.ApiAsync("create:users");
        var legacy = await fixture.Legacy.AddUserAsync("still in legacy");

        using var legacyTaken = await http.PostAsJsonAsync("/api/v1/users", new { email = legacy.Email.ToUpperInvariant() }, Ct);
        Assert.Contains("legacy", (await legacyTaken.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var normalized = legacy.Email.ToUpperInvariant();
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == normalized, Ct)));

        var email = $"new-{Guid.NewGuid():N}@create.example";
        using var created = await http.PostAsJsonAsync("/api/v1/users", new { email, password = "a good long password", name = "New Person" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.JsonAsync();
        Assert.Equal($"/api/v1/users/{user.GetProperty("id").GetGuid()}", created.Headers.Location?.OriginalString);
        Assert.Null(user.GetProperty("migratedAt").GetString());
        Assert.False((await fixture.LogInAsync(email, "a good long password")).IsLogin);

        using var again = await http.PostAsJsonAsync("/api/v1/users", new { email }, Ct);
        await again.ProblemAsync(HttpStatusCode.Conflict);

        using var weak = await http.PostAsJsonAsync("/api/v1/users", new { email = $"weak-{Guid.NewGuid():N}@create.example", password = "short" }, Ct);
        var problem = await weak.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));

        using var noEmail = await http.PostAsJsonAsync("/api/v1/users", new { name = "Nobody" }, Ct);
        Assert.True((await noEmail.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task UnknownFields_AndMalformedBodies_AreRejectedWithAReason()
    {
        using var http = await fixture.ApiAsync();
        using var unknown = await http.SendRawAsync(HttpMethod.Post, "/api/v1/users", """{"email":"x@unknown.example","isAdmin":true}""");
        Assert.Contains("isAdmin", (await unknown.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.NormalizedEmail == "X@UNKNOWN.EXAMPLE", Ct)));

        using var broken = await http.SendRawAsync(HttpMethod.Post, "/api/v1/users", """{"email":""");
        await broken.ProblemAsync(HttpStatusCode.BadRequest);

        using var badQuery = await http.GetAsync("/api/v1/users?migrated=perhaps", Ct);
        await badQuery.ProblemAsync(HttpStatusCode.BadRequest);
        using var badSort = await http.GetAsync("/api/v1/users?sort=password", Ct);
        Assert.True((await badSort.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("sort", out _));
        using var badField = await http.GetAsync("/api/v1/users?fields=id,passwordHash", Ct);
        Assert.True((await badField.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("fields", out _));
        using var badCursor = await http.GetAsync("/api/v1/users?cursor=bm90LWEtY3Vyc29y", Ct);
        Assert.True((await badCursor.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("cursor", out _));

        using var huge = await http.SendRawAsync(HttpMethod.Post, "/api/v1/users", $$"""{"email":"big@huge.example","name":"{{new string('a', 600_000)}}"}""");
        await huge.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Patch_ChangesTheProfile_AndRefusesALegacyAddress()
    {
        var user = await CreateAsync($"patch-{Guid.NewGuid():N}@patch.example", "Before");
        var id = user.GetProperty("id").GetGuid();
        var legacy = await fixture.Legacy.AddUserAsync("owner of the address");
        using var http = await fixture.ApiAsync("update:users");

        using var changed = await http.PatchJsonAsync($"/api/v1/users/{id}", new { name = "After", userMetadata = new { theme = "dark" } });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var body = await changed.JsonAsync();
        Assert.Equal("After", body.GetProperty("name").GetString());
        Assert.Equal("dark", body.GetProperty("userMetadata").GetProperty("theme").GetString());
        Assert.Equal(user.GetProperty("email").GetString(), body.GetProperty("email").GetString());

        using var taken = await http.PatchJsonAsync($"/api/v1/users/{id}", new { email = legacy.Email });
        await taken.ProblemAsync(HttpStatusCode.Conflict);
        var stored = await fixture.WithDatabaseAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.Id == id, Ct));
        Assert.Equal(user.GetProperty("email").GetString(), stored.Email);

        var fresh = $"moved-{Guid.NewGuid():N}@patch.example";
        using var moved = await http.PatchJsonAsync($"/api/v1/users/{id}", new { email = fresh });
        Assert.Equal(fresh, (await moved.JsonAsync()).GetProperty("email").GetString());

        using var badMetadata = await http.PatchJsonAsync($"/api/v1/users/{id}", new { appMetadata = "not an object" });
        Assert.True((await badMetadata.ProblemAsync(HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("appMetadata", out _));
        using var missing = await http.PatchJsonAsync($"/api/v1/users/{Guid.NewGuid()}", new { name = "x" });
        await missing.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Blocking_RefusesTheNextLogin_AndUnblockingRestoresIt()
    {
        var legacy = await fixture.Legacy.AddUserAsync("blocked soon");
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
        var id = (await fixture.WithDatabaseAsync(db => db.Users.SingleAsync(u => u.Identities.Any(i => i.LegacyId == legacy.Id), Ct))).Id;
        using var http = await fixture.ApiAsync("update:users");

        using var blocked = await http.PatchJsonAsync($"/api/v1/users/{id}", new { blocked = true });
        Assert.True((await blocked.JsonAsync()).GetProperty("blocked").GetBoolean());
        Assert.True((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);

        using var unblocked = await http.PatchJsonAsync($"/api/v1/users/{id}", new { blocked = false });
        Assert.False((await unblocked.JsonAsync()).GetProperty("blocked").GetBoolean());
        Assert.False((await fixture.LogInAsync(legacy.Email, legacy.Password)).IsLogin);
    }

    [Fact]
    public async Task Delete_LeavesATombstone_UnlessReimportIsAllowed()
    {
        var kept = await fixture.Legacy.AddUserAsync("gone for good");
        var back = await fixture.Legacy.AddUserAsync("coming back");
        Assert.False((await fixture.LogInAsync(kept.Email, kept.Password)).IsLogin);
        Assert.False((await fixture.LogInAsync(back.Email, back.Password)).IsLogin);
        var keptId = (await fixture.WithDatabaseAsync(db => db.Users.SingleAsync(u => u.Identities.Any(i => i.LegacyId == kept.Id), Ct))).Id;
        var backId = (await fixture.WithDatabaseAsync(db => db.Users.SingleAsync(u => u.Identities.Any(i => i.LegacyId == back.Id), Ct))).Id;
        using var http = await fixture.ApiAsync("delete:users");

        using (var response = await http.DeleteAsync($"/api/v1/users/{keptId}", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        using (var response = await http.DeleteAsync($"/api/v1/users/{backId}?allowReimport=true", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.True(await fixture.WithDatabaseAsync(db => db.Tombstones.AnyAsync(t => t.Connection == "legacy" && t.LegacyId == kept.Id, Ct)));
        Assert.True(await fixture.WithDatabaseAsync(db => db.AuditEvents.AnyAsync(
            a => a.Type == LazyMigrate.Server.Audit.AuditEventType.UserDeleted && a.UserId == keptId && a.Reason == "Tombstoned" && a.Actor == "client:machine", Ct)));
        Assert.True((await fixture.LogInAsync(kept.Email, kept.Password)).IsLogin);
        Assert.False((await fixture.LogInAsync(back.Email, back.Password)).IsLogin);
        Assert.True(await fixture.WithDatabaseAsync(db => db.Users.AnyAsync(u => u.Identities.Any(i => i.LegacyId == back.Id), Ct)));

        using var again = await http.DeleteAsync($"/api/v1/users/{keptId}", Ct);
        await again.ProblemAsync(HttpStatusCode.NotFound);
    }

    private async Task<JsonElement> CreateAsync(string email, string name)
    {
        using var http = await fixture.ApiAsync("create:users");
        using var response = await http.PostAsJsonAsync("/api/v1/users", new { email, name }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    /// <summary>Inserts users straight into the store, spread over <paramref name="year"/>; returns their ids.</summary>
    private Task<List<Guid>> SeedAsync(int count, DateTimeOffset year, string prefix) => fixture.WithDatabaseAsync(async db =>
    {
        var users = Enumerable.Range(0, count).Select(i =>
        {
            var email = $"{prefix}-{i}-{Guid.NewGuid():N}@seed.example";
            return new User
            {
                Id = Guid.CreateVersion7(),
                UserName = email,
                NormalizedUserName = email.ToUpperInvariant(),
                Email = email,
                NormalizedEmail = email.ToUpperInvariant(),
                SecurityStamp = Guid.NewGuid().ToString("N"),
                CreatedAt = year.AddMinutes(Random.Shared.Next(0, 365 * 24 * 60)),
            };
        }).ToList();
        db.Users.AddRange(users);
        await db.SaveChangesAsync(Ct);
        return users.Select(u => u.Id).ToList();
    });
}
