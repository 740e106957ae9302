using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;
using static CloudPortal.EndToEnd.Tests.PortalPage;
using static Microsoft.Playwright.Assertions;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>Alerts in a real browser: a rule made in the page, a host alert raising the badge live, deleting the rule resolving it.</summary>
[Collection(PortalCollection.Name)]
public sealed class AlertPageTests(PortalFixture portal) : IAsyncLifetime
{
    private IPage _page = default!;
    private HttpClient _api = default!;
    private readonly List<string> _rules = [];

    public async Task InitializeAsync()
    {
        _page = await portal.NewPageAsync();
        _api = await portal.NewApiClientAsync();
    }

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        foreach (var id in _rules)
            await _api.DeleteAsync($"/api/v1/alert-rules/{id}");
        _api.Dispose();
    }

    [Fact]
    public async Task AlertsPage_HostRuleFires_BadgeCountsItLiveAndDeletingTheRuleResolvesIt()
    {
        await SignInAsAdminAsync(_page, portal);
        await _page.GotoAsync("/alerts");
        var before = int.Parse(await _page.GetByTestId("alert-badge-count").TextContentAsync() ?? "0");

        // A rule made in the page: the form's defaults watch the tenant's CPU (above 90 for 300 s).
        var tenantRule = "cpu-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        // The page is prerendered: a click before its circuit is attached does nothing, so it is repeated until the rule shows.
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; )
        {
            await Input(_page.Locator("body"), "rule-name").FillAsync(tenantRule);
            await _page.GetByTestId("create-rule").ClickAsync();
            try
            {
                await Expect(_page.GetByTestId("rules-table")).ToContainTextAsync(tenantRule, new() { Timeout = 3_000 });
                break;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
            }
        }
        await Expect(_page.GetByTestId("rules-table")).ToContainTextAsync("cpu > 90 for 300 s");
        var listed = await _api.GetFromJsonAsync<JsonElement>("/api/v1/alert-rules?limit=500");
        _rules.AddRange(listed.GetProperty("items").EnumerateArray().Where(r => r.GetProperty("name").GetString() == tenantRule)
            .Select(r => r.GetProperty("id").GetString()!));

        // A host rule that holds on the first sample: the alert reaches the open page by push, no reload.
        var hostRule = "host-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        using var created = await _api.PostAsJsonAsync("/api/v1/alert-rules",
            new { name = hostRule, scope = "host", metric = "machines.running", comparison = "<", threshold = 1_000_000, durationSeconds = 0 });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        _rules.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        await Expect(_page.GetByTestId("alert-badge-count")).ToHaveTextAsync((before + 1).ToString(), new() { Timeout = 60_000 });
        await Expect(_page.GetByTestId("alerts-table")).ToContainTextAsync(hostRule, new() { Timeout = 30_000 });
        await Expect(_page.GetByTestId("alerts-table")).ToContainTextAsync("firing");

        await _page.GetByTestId("rules-table").Locator($"[data-testid='delete-rule-{hostRule}']").ClickAsync();
        await _page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(_page.GetByTestId("alert-badge-count")).ToHaveTextAsync(before.ToString(), new() { Timeout = 60_000 });
        await Expect(_page.GetByTestId("rules-table")).Not.ToContainTextAsync(hostRule);
    }
}
