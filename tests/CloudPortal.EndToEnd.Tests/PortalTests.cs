using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static CloudPortal.EndToEnd.Tests.PortalPage;

namespace CloudPortal.EndToEnd.Tests;

[Collection(PortalCollection.Name)]
public sealed class PortalTests(PortalFixture portal) : IAsyncLifetime
{
    private IPage _page = default!;

    public async Task InitializeAsync() => _page = await portal.NewPageAsync();

    public async Task DisposeAsync() => await _page.Context.CloseAsync();

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
    }

    [Fact]
    public async Task Machine_CreatePauseResumeExternalPoweroffDelete_PageFollowsLiveWithoutReload()
    {
        var name = NewMachineName();
        await SignInAsAdminAsync(_page, portal);

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

        // No reload from here on: every change has to reach the page by itself.
        var row = _page.GetByTestId("machines-table").Locator("tr").Filter(new() { Has = _page.GetByTestId($"state-{name}") });
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await ExpectStateAsync(_page, name, "running", 30_000);
        await Expect(row).ToContainTextAsync("64 MiB");

        var domain = await Virsh.FindDomainOfAsync(name);
        Assert.NotNull(domain);

        // The README's screenshot; the snackbar of the creation is let go first so the table is unobstructed.
        await Expect(_page.Locator(".mud-snackbar")).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        var docs = Path.Combine(portal.RepoRoot, "docs");
        Directory.CreateDirectory(docs);
        await _page.ScreenshotAsync(new() { Path = Path.Combine(docs, "machines.png") });

        await _page.GetByTestId($"pause-{name}").ClickAsync();
        await ExpectStateAsync(_page, name, "paused", 15_000);

        await _page.GetByTestId($"resume-{name}").ClickAsync();
        await ExpectStateAsync(_page, name, "running", 15_000);

        // Powered off behind the portal's back: libvirt's lifecycle event has to carry it to the page.
        var (code, _, error) = await Virsh.RunAsync("destroy", domain!);
        Assert.True(code == 0, $"virsh destroy {domain} failed: {error}");
        await ExpectStateAsync(_page, name, "stopped", 10_000);

        await _page.GetByTestId($"delete-{name}").ClickAsync();
        var confirm = _page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Delete machine" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(_page.GetByTestId($"state-{name}")).ToHaveCountAsync(0, new() { Timeout = 30_000 });

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Virsh.ListAllAsync()).Contains(domain) && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.DoesNotContain(domain, await Virsh.ListAllAsync());
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
        Assert.Equal(domainsBefore.Order(), (await Virsh.ListAllAsync()).Order());
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
    }
}
