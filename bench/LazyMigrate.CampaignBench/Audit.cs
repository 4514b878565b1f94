using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LazyMigrate.CampaignBench;

/// <summary>
/// After the disconnect: every legacy user accounted for exactly once, every profile field as the legacy row had it,
/// and a stratified sample (every format, lazily migrated and bulk-imported) signing in with the original password
/// through the login page, bulk ones leaving a native hash behind.
/// </summary>
internal static class Audit
{
    public static async Task<bool> RunAsync(CampaignReport report, LegacyUser[] users, HashSet<int> lazy, Store store, LoginPage login, CampaignSettings settings)
    {
        var clock = Stopwatch.StartNew();
        var stored = await store.UsersAsync();
        var missing = users.Where(u => !stored.ContainsKey(u.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var duplicates = stored.Values.Count(list => list.Count > 1);
        var strangers = stored.Keys.Count(id => !int.TryParse(id, out var n) || n < 1 || n > users.Length);
        var duplicateEmails = await store.ScalarAsync("""SELECT count(*) FROM (SELECT "NormalizedEmail" FROM "AspNetUsers" GROUP BY 1 HAVING count(*) > 1) d""");
        var unlinked = await store.ScalarAsync("""SELECT count(*) FROM "AspNetUsers" u WHERE NOT EXISTS (SELECT 1 FROM "UserIdentities" i WHERE i."UserId" = u."Id")""");
        var wrongKind = 0;
        var lostFields = new Dictionary<string, int>(StringComparer.Ordinal);
        var examples = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in users)
        {
            if (!stored.TryGetValue(user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), out var list))
            {
                continue;
            }

            var row = list[0];
            if (row.Bulk == lazy.Contains(user.Id))
            {
                wrongKind++;
            }

            foreach (var (field, expected, actual) in Fields(user, row))
            {
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    lostFields[field] = lostFields.GetValueOrDefault(field) + 1;
                    examples.TryAdd(field, $"user {user.Id}: legacy {expected?.ToJsonString() ?? "null"}, here {actual?.ToJsonString() ?? "null"}");
                }
            }
        }

        report.Line($"audit: {users.Length:N0} legacy users, {stored.Count:N0} accounted for, {missing.Count} missing, {duplicates} duplicated legacy ids, " +
            $"{strangers} unknown ids, {duplicateEmails} duplicated addresses, {unlinked} users without an identity (the administrator), {wrongKind} with the wrong kind (lazy/bulk)");
        report.Line($"audit: profile fields compared on {stored.Count:N0} users × {Fields(users[0], stored.Values.First()[0]).Count()} fields: " +
            (lostFields.Count == 0 ? "0 differences" : string.Join("; ", lostFields.Select(f => $"{f.Key} differs for {f.Value:N0} ({examples[f.Key]})"))));
        report.Figure("accounted for / missing / duplicates", $"{stored.Count:N0} / {missing.Count} / {duplicates}");
        report.Figure("profile field differences", lostFields.Values.Sum().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));

        // The sample: every (format, lazy or bulk) stratum, in proportion, at least 20 from each (or all it has).
        var random = new Random(56);
        var strata = users.Where(u => u.Format != HashFormat.None).GroupBy(u => (u.Format, Lazy: lazy.Contains(u.Id))).OrderBy(g => g.Key.Format).ThenBy(g => g.Key.Lazy).ToList();
        var eligible = strata.Sum(g => g.Count());
        var sample = new List<LegacyUser>();
        foreach (var stratum in strata)
        {
            var take = Math.Min(stratum.Count(), Math.Max(20, (int)Math.Ceiling(settings.Sample * (double)stratum.Count() / eligible)));
            sample.AddRange(stratum.OrderBy(_ => random.Next()).Take(take));
        }

        var resetRequired = users.Where(u => u.Format == HashFormat.None).OrderBy(_ => random.Next()).Take(10).ToList();
        var before = await store.HashesAsync(sample.Select(u => Id(u)));
        var legacyBefore = sample.Count(u => !lazy.Contains(u.Id) && before.GetValueOrDefault(Id(u)) is { } h && h.StartsWith("legacy:", StringComparison.Ordinal));
        var outcomes = new ConcurrentDictionary<int, bool>();
        var unavailable = 0;
        var signIns = Stopwatch.StartNew();
        await Parallel.ForEachAsync(sample, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency }, async (user, _) =>
        {
            var (outcome, retries) = await login.SignInPatientlyAsync(user.Email, user.Password);
            Interlocked.Add(ref unavailable, retries);
            outcomes[user.Id] = outcome == SignIn.SignedIn;
        });
        var sampleSeconds = signIns.Elapsed.TotalSeconds;
        var refusedResets = 0;
        foreach (var user in resetRequired)
        {
            refusedResets += await login.SignInAsync(user.Email, user.Password) == SignIn.Refused ? 1 : 0;
        }

        var after = await store.HashesAsync(sample.Select(u => Id(u)));
        report.Line($"audit: sample of {sample.Count:N0} sign-ins through the login page in {sampleSeconds:F1} s ({sample.Count / sampleSeconds:F1}/s), " +
            $"{legacyBefore:N0} of the bulk ones held a legacy hash before, {unavailable} answers \"try again later\" (retried):");
        var allGood = missing.Count == 0 && duplicates == 0 && strangers == 0 && duplicateEmails == 0 && unlinked == 1 && wrongKind == 0 && lostFields.Count == 0;
        foreach (var stratum in sample.GroupBy(u => (u.Format, Lazy: lazy.Contains(u.Id))).OrderBy(g => g.Key.Format).ThenBy(g => g.Key.Lazy))
        {
            var accepted = stratum.Count(u => outcomes[u.Id]);
            var native = stratum.Count(u => NativeHash.IsNative(after.GetValueOrDefault(Id(u))));
            allGood &= accepted == stratum.Count() && native == stratum.Count();
            report.Line($"  {LegacySeed.FormatName(stratum.Key.Format),-16} {(stratum.Key.Lazy ? "lazy" : "bulk"),-5} {stratum.Count(),5} signed in {accepted,5}, native hash after {native,5}");
        }

        allGood &= refusedResets == resetRequired.Count;
        report.Line($"  reset required (no hash): {refusedResets} of {resetRequired.Count} refused like a wrong password, as they should be");
        report.Figure("sample sign-ins accepted / native after", $"{outcomes.Values.Count(v => v):N0} / {sample.Count(u => NativeHash.IsNative(after.GetValueOrDefault(Id(u)))):N0} of {sample.Count:N0}");
        report.Line($"audit {(allGood ? "passed" : "FAILED")} in {clock.Elapsed.TotalSeconds:F0} s");
        return allGood;
    }

    private static string Id(LegacyUser user) => user.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static IEnumerable<(string Field, JsonNode? Expected, JsonNode? Actual)> Fields(LegacyUser legacy, StoredUser stored)
    {
        yield return ("email", legacy.Email, stored.Email);
        yield return ("email_verified", legacy.EmailVerified, stored.EmailConfirmed);
        yield return ("username", legacy.Username, stored.UserName);
        yield return ("given_name", legacy.GivenName, stored.GivenName);
        yield return ("family_name", legacy.FamilyName, stored.FamilyName);
        yield return ("name", legacy.Name, stored.Name);
        yield return ("phone", legacy.Phone, stored.Phone);
        yield return ("user_metadata", new JsonObject { ["locale"] = legacy.Locale, ["newsletter"] = legacy.Newsletter }, stored.UserMetadata);
        yield return ("app_metadata (plan, created date)", new JsonObject { ["plan"] = legacy.Plan, ["legacyCreatedAt"] = legacy.CreatedText }, stored.AppMetadata);
    }
}
