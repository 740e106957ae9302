using System.Security.Cryptography;
using Xunit.Abstractions;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static CloudPortal.EndToEnd.Tests.PortalPage;

namespace CloudPortal.EndToEnd.Tests;

[Collection(PortalCollection.Name)]
public sealed class PortalTests(PortalFixture portal, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private IPage _page = default!;

    private readonly List<string> _browserErrors = [];

    public async Task InitializeAsync()
    {
        _page = await portal.NewPageAsync();
        _page.Console += (_, message) =>
        {
            if (message.Type == "error")
                lock (_browserErrors) _browserErrors.Add($"console: {message.Text}");
        };
        _page.PageError += (_, error) => { lock (_browserErrors) _browserErrors.Add($"page error: {error}"); };
    }

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        lock (_browserErrors)
            foreach (var error in _browserErrors)
                output.WriteLine($"browser {error}");
    }

    /// <summary>No script error and no console error in the browser so far (Blazor logs circuit failures there).</summary>
    private void AssertNoBrowserErrors()
    {
        lock (_browserErrors)
            Assert.True(_browserErrors.Count == 0, "browser errors:\n" + string.Join("\n", _browserErrors));
    }

    private void Step(string what) => output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {_clock.Elapsed.TotalSeconds,6:0.00}s {what}");

    private static string NewMachineName() => "cpe-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    [Fact]
    public async Task SignIn_WrongThenRightPassword_ShowsErrorThenLandsOnMachines()
    {
        await SignInAsync(_page, portal.AdminUser, portal.AdminPassword + "-wrong");

        await Expect(_page).ToHaveURLAsync(new Regex("/login\\?"));
        await Expect(_page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The username or password is wrong.");

        await _page.Locator("#username").FillAsync(portal.AdminUser);
        await _page.Locator("#password").FillAsync(portal.AdminPassword);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(_page).ToHaveURLAsync(new Regex("/machines$"));
        await Expect(_page.GetByTestId("machines-table")).ToBeVisibleAsync();

        AssertNoBrowserErrors();
    }

    [Fact]
    public async Task Machine_CreatePauseResumeExternalPoweroffDelete_PageFollowsLiveWithoutReload()
    {
        var name = NewMachineName();
        await SignInAsAdminAsync(_page, portal);

        Step("signed in");
        // Create: 1 vCPU, 64 MiB.
        var dialog = await OpenCreateDialogAsync(_page);
        await Input(dialog, "machine-name-input").FillAsync(name);
        var vcpus = Input(dialog, "machine-vcpus-input");
        await vcpus.FillAsync("1");
        await vcpus.PressAsync("Tab");
        var memory = Input(dialog, "machine-memory-input");
        await memory.FillAsync("64");
        await memory.PressAsync("Tab");
        await dialog.GetByTestId("create-machine-submit").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync(new() { Timeout = 15_000 });
        Step("created");

        // No reload from here on: every change has to reach the page by itself.
        var row = _page.GetByTestId("machines-table").Locator("tr").Filter(new() { Has = _page.GetByTestId($"state-{name}") });
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await ExpectStateAsync(_page, name, "running", 30_000);
        await Expect(row).ToContainTextAsync("64 MiB");
        Step("running");

        var domain = await Virsh.FindDomainOfAsync(name);
        Assert.NotNull(domain);

        // The README's screenshot; the snackbar of the creation is closed first so the table is unobstructed.
        var snackbars = _page.Locator(".mud-snackbar");
        foreach (var close in await snackbars.Locator("button").AllAsync())
            await close.ClickAsync(new() { Timeout = 2_000 }).ContinueWith(_ => { }); // it may go by itself meanwhile
        await Expect(snackbars).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        // Kept with the test results; docs/machines.png (the README's picture) is refreshed from it by hand.
        var screenshots = Path.Combine(portal.RepoRoot, "artifacts", "screenshots");
        Directory.CreateDirectory(screenshots);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(screenshots, "machines.png") });
        Step("screenshot");

        await _page.GetByTestId($"pause-{name}").ClickAsync();
        await ExpectStateAsync(_page, name, "paused", 15_000);
        Step("paused");

        await _page.GetByTestId($"resume-{name}").ClickAsync();
        await ExpectStateAsync(_page, name, "running", 15_000);
        Step("resumed");

        // Powered off behind the portal's back: libvirt's lifecycle event has to carry it to the page.
        Step("virsh destroy");
        var (code, _, error) = await Virsh.RunAsync("destroy", domain!);
        Assert.True(code == 0, $"virsh destroy {domain} failed: {error}");
        await ExpectStateAsync(_page, name, "stopped", 10_000);
        Step("stopped after virsh destroy");

        await _page.GetByTestId($"delete-{name}").ClickAsync();
        var confirm = _page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Delete machine" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(_page.GetByTestId($"state-{name}")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        Step("row gone");

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Virsh.ListAllAsync()).Contains(domain) && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.DoesNotContain(domain, await Virsh.ListAllAsync());

        AssertNoBrowserErrors();
    }

    [Fact]
    public async Task CreateDialog_BadName_ShowsValidationAndCreatesNothing()
    {
        const string badName = "bad name!";
        await SignInAsAdminAsync(_page, portal);
        var domainsBefore = await Virsh.ListAllAsync();

        var dialog = await OpenCreateDialogAsync(_page);
        await Input(dialog, "machine-name-input").FillAsync(badName);
        await dialog.GetByTestId("create-machine-submit").ClickAsync();

        await Expect(dialog.GetByText("name must be 1 to 63 letters, digits or '-'.")).ToBeVisibleAsync();
        await Expect(dialog).ToBeVisibleAsync(); // the dialog stays open: nothing was submitted

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        // A fresh look at the list, from the server: no such machine, and libvirt has no new domain.
        await _page.ReloadAsync();
        await Expect(_page.GetByTestId("machines-table")).ToBeVisibleAsync();
        await Expect(_page.GetByTestId($"state-{badName}")).ToHaveCountAsync(0);
        await Expect(_page.GetByTestId("machine-name").Filter(new() { HasText = badName })).ToHaveCountAsync(0);
        // Only this portal's own new domains count: other suites on the same libvirtd create theirs meanwhile.
        Assert.DoesNotContain((await Virsh.ListAllAsync()).Except(domainsBefore),
            d => d.StartsWith("bad", StringComparison.Ordinal) || d.StartsWith(Virsh.TestPrefix, StringComparison.Ordinal));

        AssertNoBrowserErrors();
    }

    [Fact]
    public async Task HostsPage_AsAdmin_ShowsLocalHostConnectedWithVirtualization()
    {
        await SignInAsAdminAsync(_page, portal);
        await _page.GotoAsync("/hosts");

        var table = _page.GetByTestId("hosts-table");
        var row = table.Locator("tr").Filter(new() { Has = _page.Locator("code", new() { HasTextString = Virsh.Uri }) });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("[data-testid^='host-state-']")).ToHaveTextAsync("connected");

        // This machine has no /dev/kvm, so guests run under TCG; where KVM exists either may show.
        var virtualization = File.Exists("/dev/kvm") ? new Regex("\\b(KVM|TCG)\\b") : new Regex("\\bTCG\\b");
        await Expect(row).ToContainTextAsync(virtualization);

        AssertNoBrowserErrors();
    }
}
