using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static CloudPortal.EndToEnd.Tests.PortalPage;
using static Microsoft.Playwright.Assertions;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>The monitoring pages in a real browser over a real cpm- guest: live charts, the fleet and the tenant dashboard.</summary>
[Collection(PortalCollection.Name)]
public sealed class MonitoringPageTests(PortalFixture portal, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Prefix = "cpm-e2e-";
    private static readonly string Screenshots = Path.Combine(Path.GetTempPath(), "cpm-screenshots");
    private IPage _page = default!;
    private HttpClient _api = default!;
    private string? _machineId;

    public async Task InitializeAsync()
    {
        foreach (var domain in (await Virsh.ListAllAsync()).Where(d => d.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            await Virsh.RunAsync("destroy", domain);
            await Virsh.RunAsync("undefine", domain, "--managed-save", "--snapshots-metadata");
        }
        _page = await portal.NewPageAsync();
        _api = await portal.NewApiClientAsync();
        Directory.CreateDirectory(Screenshots);
    }

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        if (_machineId is not null)
        {
            // The portal removes the domain with the machine; poll so that the next test class starts clean.
            await _api.DeleteAsync($"/api/v1/machines/{_machineId}");
            for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(1000))
                if (!(await Virsh.ListAllAsync()).Any(d => d.StartsWith(Prefix, StringComparison.Ordinal)))
                    break;
        }
        _api.Dispose();
    }

    private async Task<string> CreateRunningMachineAsync(string name)
    {
        using var created = await _api.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64 });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, created.StatusCode);
        _machineId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        for (var deadline = DateTime.UtcNow.AddSeconds(240); ; await Task.Delay(1000))
        {
            var machine = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/machines/{_machineId}");
            var state = machine.GetProperty("state").GetString();
            if (state == "running")
                return _machineId;
            Assert.True(state == "provisioning" && DateTime.UtcNow < deadline, $"machine is {state}");
        }
    }

    [Fact]
    public async Task MonitoringPages_RunningGuest_ShowLiveChartsFleetAndTenantUsage()
    {
        var name = Prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        var id = await CreateRunningMachineAsync(name);
        await SignInAsAdminAsync(_page, portal);

        await _page.GotoAsync($"/machines/{id}/monitoring");
        await Expect(_page.GetByTestId("chart-cpu")).ToBeVisibleAsync();
        // The CPU value needs two samples of the host; it arrives by push, the page is not reloaded.
        await Expect(_page.GetByTestId("chart-cpu-latest")).ToContainTextAsync("%", new() { Timeout = 60_000 });
        await Expect(_page.GetByTestId("chart-memory-latest")).ToContainTextAsync("MiB", new() { Timeout = 30_000 });
        var first = await _page.GetByTestId("chart-cpu").Locator("path").First.GetAttributeAsync("d");
        await Expect(_page.GetByTestId("chart-cpu").Locator("path").First).Not.ToHaveAttributeAsync("d", first!, new() { Timeout = 30_000 });
        await _page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "machine.png"), FullPage = true });

        await _page.GetByTestId("range-picker").GetByText("24 h").ClickAsync();
        await Expect(_page.GetByTestId("chart-cpu")).ToBeVisibleAsync();

        await _page.GotoAsync("/fleet");
        // The heat map is the default view: the local host is a measured cell whose value is its CPU.
        var cell = _page.GetByTestId("heatmap").Locator("[data-kind='measured']").First;
        await Expect(cell).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(cell).ToHaveAttributeAsync("title", new System.Text.RegularExpressions.Regex("CPU \\d+ %"));
        await Expect(_page.GetByTestId("fleet-cpu")).ToContainTextAsync("%", new() { Timeout = 30_000 });
        await Expect(_page.GetByTestId("fleet-states")).ToContainTextAsync("running:");
        await _page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "fleet.png"), FullPage = true });
        await _page.GetByTestId("fleet-view").GetByText("Table").ClickAsync();
        await Expect(_page.GetByTestId("fleet-table")).ToContainTextAsync("connected", new() { Timeout = 30_000 });

        // A cell opens the host's own live charts.
        await _page.GetByTestId("fleet-view").GetByText("Heat map").ClickAsync();
        await _page.GetByTestId("heatmap").Locator("[data-kind='measured']").First.ClickAsync();
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/hosts/[0-9a-f-]+/monitoring$"));
        await Expect(_page.GetByTestId("chart-running-latest")).ToContainTextAsync("machines", new() { Timeout = 30_000 });

        await _page.GotoAsync("/dashboard");
        await Expect(_page.GetByTestId("tenant-table")).ToContainTextAsync(name);
        await Expect(_page.GetByTestId("tenant-table")).ToContainTextAsync("%", new() { Timeout = 30_000 });
        await _page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "dashboard.png"), FullPage = true });
        output.WriteLine($"screenshots in {Screenshots}");
    }

    [Fact]
    public async Task MachineMonitoring_UnknownMachine_ShowsNotFound()
    {
        await SignInAsAdminAsync(_page, portal);
        await _page.GotoAsync($"/machines/{Guid.NewGuid()}/monitoring");
        await Expect(_page.GetByTestId("monitoring-error")).ToContainTextAsync("was not found");
    }
}
