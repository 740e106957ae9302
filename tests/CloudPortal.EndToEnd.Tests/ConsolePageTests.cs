using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static CloudPortal.EndToEnd.Tests.PortalPage;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>Issue 8, item 6 in Chromium: noVNC through the portal's proxy draws the guest's screen; a ticket works once.</summary>
[Collection(PortalCollection.Name)]
public sealed class ConsolePageTests(PortalFixture portal, ITestOutputHelper output) : IAsyncLifetime
{
    private IPage _page = default!;
    private HttpClient _api = default!;
    private readonly string _name = "cpe-con-" + Guid.NewGuid().ToString("N")[..8];
    private string? _id;

    public async Task InitializeAsync()
    {
        _page = await portal.NewPageAsync();
        _api = await portal.NewApiClientAsync(TimeSpan.FromMinutes(2));
    }

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        if (_id is not null)
            using (await _api.DeleteAsync($"/api/v1/machines/{_id}")) { }
        _api.Dispose();
        foreach (var domain in (await Virsh.ListAllAsync()).Where(d => d.StartsWith(_name + "-", StringComparison.Ordinal)))
        {
            await Virsh.RunAsync("destroy", domain);
            await Virsh.RunAsync("undefine", domain, "--managed-save");
        }
    }

    private async Task CreateRunningMachineAsync()
    {
        using var created = await _api.PostAsJsonAsync("/api/v1/machines", new { name = _name, vcpus = 1, memoryMiB = 64 });
        created.EnsureSuccessStatusCode();
        _id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        for (int i = 0; i < 120; i++)
        {
            using var get = await _api.GetAsync($"/api/v1/machines/{_id}");
            if ((await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString() == "running")
                return;
            await Task.Delay(500);
        }
        Assert.Fail($"machine {_name} did not reach running");
    }

    [Fact]
    public async Task ConsoleButton_RunningMachine_DrawsTheGuestScreenAndATicketWorksOnce()
    {
        await CreateRunningMachineAsync();
        await SignInAsAdminAsync(_page, portal);

        await _page.GetByTestId($"console-{_name}").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/console/{_id}"));
        var screen = _page.GetByTestId("console-screen");
        await Expect(screen).ToHaveAttributeAsync("data-first-frame-ms", new System.Text.RegularExpressions.Regex("^[0-9]+$"), new() { Timeout = 60_000 });
        await Expect(_page.GetByTestId("console-status")).ToHaveTextAsync("connected");
        output.WriteLine($"console first frame: {await screen.GetAttributeAsync("data-first-frame-ms")} ms after the page's script started");
        var screenshots = Path.Combine(portal.RepoRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "console.png") });

        // A URL from the API carries its ticket: the first page spends it, a copy of the URL is refused.
        using var issued = await _api.PostAsync($"/api/v1/machines/{_id}/console", null);
        issued.EnsureSuccessStatusCode();
        var url = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        var first = await _page.Context.NewPageAsync();
        await first.GotoAsync(url);
        await Expect(first.GetByTestId("console-status")).ToHaveTextAsync("connected", new() { Timeout = 30_000 });
        var copy = await _page.Context.NewPageAsync();
        await copy.GotoAsync(url);
        await Expect(copy.GetByTestId("console-status")).ToContainTextAsync("already used", new() { Timeout = 30_000 });
    }
}
