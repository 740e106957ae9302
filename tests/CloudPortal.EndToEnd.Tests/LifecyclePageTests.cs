using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static CloudPortal.EndToEnd.Tests.PortalPage;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>
/// Bulk actions on the machines page and the machine page, in Chromium against the real portal on qemu:///system.
/// Machines are made through the API and named cpf-*; their domains are removed in the end whatever happened.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class LifecyclePageTests(PortalFixture portal, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Prefix = "cpf-";
    private IPage _page = default!;
    private HttpClient _api = default!;
    private readonly List<string> _names = [];

    public async Task InitializeAsync()
    {
        _page = await portal.NewPageAsync();
        _api = await portal.NewApiClientAsync();
    }

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        _api.Dispose();
        foreach (var domain in (await Virsh.ListAllAsync()).Where(d => _names.Any(n => d.StartsWith(n + "-", StringComparison.Ordinal))))
        {
            await Virsh.RunAsync("destroy", domain);
            await Virsh.RunAsync("undefine", domain, "--managed-save");
        }
    }

    [Fact]
    public async Task BulkPowerOffThenMachinePage_ShowsResultsThenOnlyAllowedActionsAndFollowsStart()
    {
        var run = Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var name = $"{Prefix}{run}-{i}";
            _names.Add(name);
            using var created = await _api.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
            created.EnsureSuccessStatusCode();
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        await SignInAsAdminAsync(_page, portal);
        foreach (var name in _names)
            await ExpectStateAsync(_page, name, "running", 60_000);
        output.WriteLine("both running");

        // Select everything the filter matches (both machines of this run), then power them off in one go.
        var filter = _page.GetByPlaceholder("Filter by name or state");
        await filter.FillAsync($"{Prefix}{run}");
        await Expect(_page.GetByTestId("machine-name")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Input(_page.Locator("body"), $"select-{_names[0]}").CheckAsync();
        await Expect(_page.GetByTestId("bulk-selected")).ToHaveTextAsync("1 selected", new() { Timeout = 10_000 });
        await _page.GetByTestId("bulk-select-all").ClickAsync();
        await Expect(_page.GetByTestId("bulk-selected")).ToHaveTextAsync("2 selected", new() { Timeout = 10_000 });
        await _page.GetByTestId("bulk-poweroff").ClickAsync();
        var confirm = _page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Power off 2 machines" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Power off", Exact = true }).ClickAsync();
        foreach (var name in _names)
            await Expect(_page.GetByTestId($"bulk-result-{name}")).ToContainTextAsync("200", new() { Timeout = 30_000 });
        foreach (var name in _names)
            await ExpectStateAsync(_page, name, "stopped", 15_000);
        output.WriteLine("bulk power-off done");

        // The machine page: state, size, history and XML; only what a stopped machine allows.
        await _page.GetByTestId($"open-{_names[0]}").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex($"/machines/{ids[0]}$"));
        await Expect(_page.GetByTestId("machine-title")).ToHaveTextAsync(_names[0]);
        var state = _page.GetByTestId("machine-state").Locator("[data-state]");
        await Expect(state).ToHaveAttributeAsync("data-state", "stopped", Quick);
        await Expect(_page.GetByTestId("overview-memory")).ToHaveTextAsync("64 MiB");
        await Expect(_page.GetByTestId("action-start")).ToBeVisibleAsync();
        await Expect(_page.GetByTestId("action-resize")).ToBeVisibleAsync();
        await Expect(_page.GetByTestId("action-pause")).ToHaveCountAsync(0);
        await Expect(_page.GetByTestId("action-shutdown")).ToHaveCountAsync(0);

        await _page.GetByRole(AriaRole.Tab, new() { Name = "History" }).ClickAsync();
        await Expect(_page.GetByTestId("operation-create")).ToContainTextAsync("succeeded", new() { Timeout = 15_000 });
        await _page.GetByRole(AriaRole.Tab, new() { Name = "XML" }).ClickAsync();
        await Expect(_page.GetByTestId("domain-xml")).ToContainTextAsync("<domain type=", new() { Timeout = 15_000 });
        await _page.GetByRole(AriaRole.Tab, new() { Name = "Overview" }).ClickAsync();

        // Start from the page: the state and the offered actions follow without a reload.
        await _page.GetByTestId("action-start").ClickAsync();
        await Expect(state).ToHaveAttributeAsync("data-state", "running", new() { Timeout = 30_000 });
        await Expect(_page.GetByTestId("action-pause")).ToBeVisibleAsync(Quick2);
        await Expect(_page.GetByTestId("action-start")).ToHaveCountAsync(0);

        // Started behind the portal's back the other way round: a virsh destroy reaches the page too.
        var domain = await Virsh.FindDomainOfAsync(_names[0]);
        Assert.NotNull(domain);
        await Virsh.RunAsync("destroy", domain!);
        await Expect(state).ToHaveAttributeAsync("data-state", "stopped", new() { Timeout = 15_000 });

        using var bulkDelete = await _api.PostAsJsonAsync("/api/v1/machines/bulk", new { ids, action = "delete" });
        bulkDelete.EnsureSuccessStatusCode();
        await Expect(_page.GetByTestId("machine-not-found")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    private static readonly LocatorAssertionsToBeVisibleOptions Quick2 = new() { Timeout = 15_000 };
}
