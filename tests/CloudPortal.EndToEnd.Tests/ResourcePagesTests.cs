using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CloudPortal.Core.Networks;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static CloudPortal.EndToEnd.Tests.PortalPage;
using static Microsoft.Playwright.Assertions;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>
/// The volumes and templates pages, the machine page's Snapshots and Volumes tabs and the create dialog's newer fields,
/// driven like a user in Chromium against qemu:///system; every step is checked in the page and then in the API or libvirt.
/// Machines are small (64 MiB) and stopped where the feature allows; everything is named cpq-*.
/// </summary>
public sealed class ResourcePagesTests(ResourcePagesPortal portal, ITestOutputHelper output) : IClassFixture<ResourcePagesPortal>, IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(Path.GetTempPath(), "cpq-screenshots");
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _browserErrors = [];
    private readonly List<string> _machines = [];
    private readonly List<string> _deleteAfter = [];
    private IPage _page = default!;
    private HttpClient _api = default!;

    public async Task InitializeAsync()
    {
        _page = await portal.NewPageAsync();
        _page.Console += (_, message) =>
        {
            if (message.Type == "error")
                lock (_browserErrors) _browserErrors.Add($"console: {message.Text}");
        };
        _page.PageError += (_, error) => { lock (_browserErrors) _browserErrors.Add($"page error: {error}"); };
        _api = await portal.NewApiClientAsync(TimeSpan.FromMinutes(2));
        Directory.CreateDirectory(Screenshots);
    }

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        // The fixture sweeps cpq- domains in the end whatever happens; deleting now keeps the host light for the next test.
        foreach (var id in _machines)
            using (await _api.DeleteAsync($"/api/v1/machines/{id}")) { }
        // What a test made through the API beside machines (templates, keys), so that the next one starts from empty pages.
        foreach (var path in _deleteAfter)
            using (await _api.DeleteAsync(path)) { }
        _api.Dispose();
        lock (_browserErrors)
            foreach (var error in _browserErrors)
                output.WriteLine($"browser {error}");
        output.WriteLine($"{_clock.Elapsed.TotalSeconds:0.0} s in all");
    }

    private void Step(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:0.00}s {what}");

    private void AssertNoBrowserErrors()
    {
        lock (_browserErrors)
            Assert.True(_browserErrors.Count == 0, "browser errors:\n" + string.Join("\n", _browserErrors));
    }

    private static string NewName(string what) =>
        ResourcePagesPortal.Prefix + what + "-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();

    private Task ScreenshotAsync(string name) => _page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, name + ".png"), FullPage = true });

    private ILocator Snackbar(string text) => _page.Locator(".mud-snackbar").Filter(new() { HasTextString = text });

    /// <summary>A 1 vCPU, 64 MiB machine made through the API, running or (powered off) stopped: its id and domain name.</summary>
    private async Task<(string Id, string Domain)> CreateMachineAsync(string name, string? imageId, bool stopped)
    {
        using var created = await _api.PostAsJsonAsync("/api/v1/machines", new { name, vcpus = 1, memoryMiB = 64, imageId });
        Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        _machines.Add(id);
        await WaitForStateAsync(id, "running");
        if (stopped)
        {
            using var off = await _api.PostAsync($"/api/v1/machines/{id}/poweroff", null);
            Assert.True(off.IsSuccessStatusCode, await off.Content.ReadAsStringAsync());
            await WaitForStateAsync(id, "stopped");
        }
        var domain = await Virsh.FindDomainOfAsync(name);
        Assert.NotNull(domain);
        return (id, domain!);
    }

    private async Task WaitForStateAsync(string id, string state)
    {
        string? now = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(300))
        {
            var machine = await _api.GetFromJsonAsync<JsonElement>($"/api/v1/machines/{id}");
            now = machine.GetProperty("state").GetString();
            if (now == state)
                return;
            Assert.True(now is "provisioning" or "running" or "stopping" or "stopped", $"machine {id} is {now}: {machine}");
        }
        Assert.Fail($"machine {id} is {now}, not {state}, after 120 s");
    }

    private static async Task<string> DomainXmlAsync(string domain, bool inactive)
    {
        var (code, xml, error) = inactive ? await Virsh.RunAsync("dumpxml", "--inactive", domain) : await Virsh.RunAsync("dumpxml", domain);
        Assert.True(code == 0, error);
        return xml;
    }

    private async Task<JsonElement> VolumeViaApiAsync(string name)
    {
        var listed = await _api.GetFromJsonAsync<JsonElement>("/api/v1/volumes?limit=500");
        return listed.GetProperty("items").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
    }

    /// <summary>Capacity in bytes of the volume's file in the class's pool, as libvirt sees it; null when the file is gone.</summary>
    private async Task<long?> PoolVolumeCapacityAsync(string volumeId)
    {
        var (code, info, _) = await Virsh.RunAsync("vol-info", "--bytes", "--pool", portal.Pool, $"vol-{volumeId}.qcow2");
        if (code != 0)
            return null;
        var line = info.Split('\n').Single(l => l.TrimStart().StartsWith("Capacity:", StringComparison.Ordinal));
        return long.Parse(Regex.Match(line, @"\d+").Value);
    }

    [Fact]
    public async Task VolumesPage_CreateAttachGrowDetachDelete_PageAndLibvirtAgree()
    {
        var (machineId, domain) = await CreateMachineAsync(NewName("vm"), imageId: null, stopped: true);
        var machineName = domain[..domain.LastIndexOf('-')];
        var volume = NewName("vol");
        Step("stopped machine ready");

        await SignInAsAdminAsync(_page, portal);
        await _page.GotoAsync("/volumes");
        await WaitForInteractiveAsync(_page);
        var table = _page.GetByTestId("volumes-table");
        await Expect(table).ToContainTextAsync("No volumes");

        // Create: the row shows the size in GiB and the volume is a 1 GiB file in the host's pool.
        await Input(_page.Locator("body"), "volume-name").FillAsync(volume);
        var size = Input(_page.Locator("body"), "volume-size");
        await size.FillAsync("1");
        await size.PressAsync("Tab");
        await _page.GetByTestId("create-volume").ClickAsync();
        var row = table.Locator("tr").Filter(new() { Has = _page.GetByTestId("volume-row-name").GetByText(volume, new() { Exact = true }) });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("1 GiB");
        await Expect(_page.GetByTestId($"volume-state-{volume}")).ToHaveTextAsync("available");
        var volumeId = (await VolumeViaApiAsync(volume)).GetProperty("id").GetString()!;
        Assert.Equal(1L << 30, await PoolVolumeCapacityAsync(volumeId));
        Step("created");

        // Attach to the stopped machine, picked from the machines on the volume's host: only its definition changes (next boot's vdb).
        await _page.GetByTestId($"attach-{volume}").ClickAsync();
        var attach = Dialog(_page, $"Attach {volume}");
        await PickAsync(_page, attach.GetByTestId("pick-select"), machineName);
        await attach.GetByTestId("pick-ok").ClickAsync();
        await Expect(attach).ToBeHiddenAsync();
        await Expect(_page.GetByTestId($"volume-state-{volume}")).ToHaveTextAsync("attached");
        await Expect(row).ToContainTextAsync("vdb");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = machineName })).ToBeVisibleAsync();
        var path = $"/var/lib/{portal.Pool}/vol-{volumeId}.qcow2";
        var disk = XDocument.Parse(await DomainXmlAsync(domain, inactive: true)).Descendants("disk")
            .SingleOrDefault(d => (string?)d.Element("source")?.Attribute("file") == path);
        Assert.True(disk is not null, $"the domain's definition has no disk {path}");
        Assert.Equal("vdb", (string?)disk!.Element("target")?.Attribute("dev"));
        Step("attached");

        // Grow to 2 GiB: the page, the API and the file agree.
        await _page.GetByTestId($"grow-{volume}").ClickAsync();
        await AnswerPromptAsync(_page, $"Grow {volume}", "2");
        await Expect(row).ToContainTextAsync("2 GiB");
        Assert.Equal(2, (await VolumeViaApiAsync(volume)).GetProperty("sizeGiB").GetInt32());
        Assert.Equal(2L << 30, await PoolVolumeCapacityAsync(volumeId));
        await ScreenshotAsync("volumes");
        Step("grown");

        // The machine page's Volumes tab lists it; detaching there is confirmed first, then gone from the domain.
        await row.GetByRole(AriaRole.Link, new() { Name = machineName }).ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex($"/machines/{machineId}$"));
        await _page.GetByRole(AriaRole.Tab, new() { Name = "Volumes" }).ClickAsync();
        var tab = _page.GetByTestId("machine-volumes");
        await Expect(tab).ToContainTextAsync(volume);
        await Expect(tab).ToContainTextAsync("vdb");
        await Expect(tab).ToContainTextAsync("2 GiB");
        await ScreenshotAsync("machine-volumes-tab");
        // With the volume, the diskless machine has a disk to snapshot; the Snapshots tab offers it.
        await _page.GetByRole(AriaRole.Tab, new() { Name = "Snapshots" }).ClickAsync();
        await Expect(_page.GetByTestId("create-snapshot")).ToBeEnabledAsync();
        await Expect(_page.GetByTestId("snapshots-diskless")).ToHaveCountAsync(0);
        await _page.GetByRole(AriaRole.Tab, new() { Name = "Volumes" }).ClickAsync();
        await _page.GetByTestId($"tab-detach-{volume}").ClickAsync();
        var confirm = Dialog(_page, "Detach volume");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Detach", Exact = true }).ClickAsync();
        await Expect(confirm).ToBeHiddenAsync();
        await Expect(tab).Not.ToContainTextAsync(volume);
        await Expect(_page.GetByTestId("machine-volumes-none")).ToBeVisibleAsync();
        Assert.DoesNotContain(path, await DomainXmlAsync(domain, inactive: true));
        // Without it the machine has no disk at all: the Snapshots tab says so instead of offering a snapshot libvirt refuses.
        await _page.GetByRole(AriaRole.Tab, new() { Name = "Snapshots" }).ClickAsync();
        await Expect(_page.GetByTestId("snapshots-diskless")).ToBeVisibleAsync();
        await Expect(_page.GetByTestId("create-snapshot")).ToHaveCountAsync(0);
        Step("detached from the machine's tab");

        // Delete from the volumes page: cancelling keeps it; confirming removes the row, the record and the file.
        await NavigateAsync(_page, "Volumes");
        await Expect(_page.GetByTestId($"volume-state-{volume}")).ToHaveTextAsync("available");
        await _page.GetByTestId($"delete-{volume}").ClickAsync();
        var delete = Dialog(_page, "Delete volume");
        await Expect(delete).ToContainTextAsync("2 GiB");
        await delete.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(delete).ToBeHiddenAsync();
        await Expect(row).ToBeVisibleAsync();
        Assert.NotNull(await PoolVolumeCapacityAsync(volumeId));
        await _page.GetByTestId($"delete-{volume}").ClickAsync();
        await delete.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(table).ToContainTextAsync("No volumes");
        using (var gone = await _api.GetAsync($"/api/v1/volumes/{volumeId}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Null(await PoolVolumeCapacityAsync(volumeId));
        Step("deleted");

        // Attached from the machine's own Volumes tab (in a second browser tab), then the machine is deleted there: its
        // question names the volume and offers to keep it. The volumes page, open all along, follows without a reload.
        var second = NewName("vol");
        string secondId;
        using (var created = await _api.PostAsJsonAsync("/api/v1/volumes", new { name = second, sizeGiB = 1 }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            secondId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        var machinePage = await _page.Context.NewPageAsync();
        await machinePage.GotoAsync($"/machines/{machineId}");
        await WaitForInteractiveAsync(machinePage);
        await machinePage.GetByRole(AriaRole.Tab, new() { Name = "Volumes" }).ClickAsync();
        await machinePage.GetByTestId("tab-attach-volume").ClickAsync();
        var pick = Dialog(machinePage, $"Attach a volume to {machineName}");
        await Expect(pick.GetByTestId("pick-select")).ToHaveValueAsync($"{second} (1 GiB)"); // the only one: chosen already
        await pick.GetByTestId("pick-ok").ClickAsync();
        await Expect(machinePage.GetByTestId("machine-volumes")).ToContainTextAsync(second);
        await Expect(machinePage.GetByTestId("machine-volumes")).ToContainTextAsync("vdb");
        Assert.Contains($"vol-{secondId}.qcow2", await DomainXmlAsync(domain, inactive: true));
        await _page.ReloadAsync();
        await WaitForInteractiveAsync(_page);
        await Expect(_page.GetByTestId($"volume-state-{second}")).ToHaveTextAsync("attached");
        // The machines page's bulk delete names the volume that would go with the machine (then cancelled).
        await NavigateAsync(machinePage, "Machines");
        await Input(machinePage.Locator("body"), $"select-{machineName}").CheckAsync();
        await machinePage.GetByTestId("bulk-delete").ClickAsync();
        var bulk = Dialog(machinePage, "Delete 1 machine");
        await Expect(bulk.Locator(".mud-dialog-title")).ToHaveTextAsync("Delete 1 machine"); // it said "1 machines"
        await Expect(bulk).ToContainTextAsync($"'{second}' (1 GiB) is deleted too");
        await bulk.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(bulk).ToBeHiddenAsync();
        await machinePage.GetByTestId($"open-{machineName}").ClickAsync();
        await machinePage.GetByTestId("action-delete").ClickAsync();
        var question = Dialog(machinePage, "Delete machine");
        await Expect(question).ToContainTextAsync($"'{second}' (1 GiB)");
        await question.GetByRole(AriaRole.Button, new() { Name = "Delete, keep volumes" }).ClickAsync();
        await Expect(machinePage.GetByTestId("machine-not-found")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        _machines.Remove(machineId);
        await Expect(_page.GetByTestId($"volume-state-{second}")).ToHaveTextAsync("available", new() { Timeout = 30_000 });
        await Expect(table.Locator("tr").Filter(new() { HasTextString = second }).GetByRole(AriaRole.Link)).ToHaveCountAsync(0);
        Assert.NotNull(await PoolVolumeCapacityAsync(secondId));
        Assert.Null(await Virsh.DomStateAsync(domain));
        using (var removed = await _api.DeleteAsync($"/api/v1/volumes/{secondId}"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Step("machine deleted in another tab, volume kept: the page followed");

        AssertNoBrowserErrors();
    }

    [Fact]
    public async Task VolumesPage_AsViewer_ShowsHostByNameAndOffersNoChange()
    {
        var tenants = await _api.GetFromJsonAsync<JsonElement>("/api/v1/tenants?limit=500");
        var tenantId = tenants.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "default").GetProperty("id").GetString();
        var viewer = NewName("viewer");
        var password = "pw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        using (var user = await _api.PostAsJsonAsync("/api/v1/users", new { username = viewer, password, tenantId, role = "viewer" }))
            Assert.True(user.StatusCode == HttpStatusCode.Created, await user.Content.ReadAsStringAsync());
        var volume = NewName("vol");
        string volumeId;
        using (var created = await _api.PostAsJsonAsync("/api/v1/volumes", new { name = volume, sizeGiB = 1 }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            volumeId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        }
        try
        {
            var hosts = await _api.GetFromJsonAsync<JsonElement>("/api/v1/hosts?limit=500");
            var hostName = hosts.GetProperty("items").EnumerateArray().Single(h => h.GetProperty("uri").GetString() == Virsh.Uri).GetProperty("name").GetString()!;

            await SignInAsync(_page, viewer, password);
            await Expect(_page).ToHaveURLAsync(new Regex("/machines$"));
            await _page.GotoAsync("/volumes");
            // The host by its name, as on the machines page (it showed the first 8 characters of the host's id).
            await Expect(_page.GetByTestId($"volume-host-{volume}")).ToHaveTextAsync(hostName);
            await Expect(_page.GetByTestId($"volume-state-{volume}")).ToHaveTextAsync("available");
            await Expect(_page.GetByTestId("create-volume")).ToHaveCountAsync(0);
            await Expect(_page.GetByTestId($"attach-{volume}")).ToHaveCountAsync(0);
            await Expect(_page.GetByTestId($"delete-{volume}")).ToHaveCountAsync(0);
            // Another user's change shows without a reload: deleted through the API, the volume leaves the open page.
            using (var deleted = await _api.DeleteAsync($"/api/v1/volumes/{volumeId}"))
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            await Expect(_page.GetByTestId($"volume-state-{volume}")).ToHaveCountAsync(0);
        }
        finally
        {
            using (await _api.DeleteAsync($"/api/v1/volumes/{volumeId}")) { }
        }
        AssertNoBrowserErrors();
    }

    [Fact]
    public async Task SnapshotsTab_TakeTwoRevertToFirstDeleteBoth_LibvirtFollows()
    {
        var (imageId, _) = await portal.ImageAsync(_api);
        var (machineId, domain) = await CreateMachineAsync(NewName("snap"), imageId, stopped: true);
        Step("stopped qcow2 machine ready");

        await SignInAsAdminAsync(_page, portal);
        await _page.GotoAsync($"/machines/{machineId}");
        await WaitForInteractiveAsync(_page);
        await _page.GetByRole(AriaRole.Tab, new() { Name = "Snapshots" }).ClickAsync();
        await Expect(_page.GetByTestId("snapshots-none")).ToBeVisibleAsync();

        // A bad name is refused at its field; nothing is taken.
        await Input(_page.Locator("body"), "snapshot-name").FillAsync("bad name!");
        await _page.GetByTestId("create-snapshot").ClickAsync();
        await Expect(_page.GetByText("name must be 1 to 63 letters, digits or '-'.")).ToBeVisibleAsync();
        Assert.Equal("", (await Virsh.RunAsync("snapshot-list", domain, "--name")).Output);

        foreach (var (name, description) in new[] { ("first", "before the upgrade"), ("second", "after the upgrade") })
        {
            await Input(_page.Locator("body"), "snapshot-name").FillAsync(name);
            await Input(_page.Locator("body"), "snapshot-description").FillAsync(description);
            await _page.GetByTestId("create-snapshot").ClickAsync();
            var snapshotRow = _page.GetByTestId($"snapshot-{name}");
            await Expect(snapshotRow).ToContainTextAsync(description);
            await Expect(snapshotRow).ToContainTextAsync("disk only");
            // The form is ready for the next one.
            await Expect(Input(_page.Locator("body"), "snapshot-name")).ToHaveValueAsync("");
        }
        await Expect(_page.GetByTestId("snapshots-none")).ToHaveCountAsync(0);
        var (_, names, _) = await Virsh.RunAsync("snapshot-list", domain, "--name");
        Assert.Equal(2, names.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("<description>after the upgrade</description>", (await Virsh.RunAsync("snapshot-current", domain)).Output);
        await ScreenshotAsync("snapshots-tab");
        Step("two snapshots taken");

        // Revert to the first: confirmed, then libvirt's current snapshot is the first one.
        await _page.GetByTestId("revert-first").ClickAsync();
        var revert = Dialog(_page, "Revert to snapshot");
        await Expect(revert).ToContainTextAsync("first");
        await revert.GetByRole(AriaRole.Button, new() { Name = "Revert", Exact = true }).ClickAsync();
        await Expect(Snackbar("Reverted to 'first'")).ToBeVisibleAsync();
        Assert.Contains("<description>before the upgrade</description>", (await Virsh.RunAsync("snapshot-current", domain)).Output);
        Assert.Equal("shut off", await Virsh.DomStateAsync(domain));
        Step("reverted");

        // Delete both, each confirmed; the empty state comes back and libvirt has none left.
        foreach (var name in new[] { "second", "first" })
        {
            await _page.GetByTestId($"delete-snapshot-{name}").ClickAsync();
            var delete = Dialog(_page, "Delete snapshot");
            await delete.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
            await Expect(_page.GetByTestId($"snapshot-{name}")).ToHaveCountAsync(0);
        }
        await Expect(_page.GetByTestId("snapshots-none")).ToBeVisibleAsync();
        (_, names, _) = await Virsh.RunAsync("snapshot-list", domain, "--name");
        Assert.Equal("", names.Trim());
        using (var listed = await _api.GetAsync($"/api/v1/machines/{machineId}/snapshots"))
            Assert.Empty((await listed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray());
        Step("deleted");

        AssertNoBrowserErrors();
    }

    [Fact]
    public async Task TemplatesPage_CreateLaunchRelaunchTakenNamesDelete_DialogExplainsAndMachinesRun()
    {
        var template = NewName("tpl");
        await SignInAsAdminAsync(_page, portal);
        await _page.GotoAsync("/templates");
        await WaitForInteractiveAsync(_page);
        var table = _page.GetByTestId("templates-table");
        await Expect(table).ToContainTextAsync("No templates yet");

        await Input(_page.Locator("body"), "template-name").FillAsync(template);
        var memory = Input(_page.Locator("body"), "template-memory");
        await memory.FillAsync("64");
        await memory.PressAsync("Tab");
        await _page.GetByTestId("create-template").ClickAsync();
        var row = table.Locator("tr").Filter(new() { Has = _page.GetByTestId("template-row-name").GetByText(template, new() { Exact = true }) });
        await Expect(row).ToContainTextAsync("1 vCPU, 64 MiB");
        await Expect(row).ToContainTextAsync("no keys");
        await Expect(row).ToContainTextAsync("diskless");
        var saved = (await _api.GetFromJsonAsync<JsonElement>("/api/v1/templates")).GetProperty("items").EnumerateArray()
            .Single(t => t.GetProperty("name").GetString() == template);
        Assert.Equal(64, saved.GetProperty("memoryMiB").GetInt32());
        Step("template saved");

        // One with an image and a bigger disk than the image's: the form offers the disk once an image is chosen.
        var (_, imageName) = await portal.ImageAsync(_api);
        var withDisk = template + "-disk";
        await Input(_page.Locator("body"), "template-name").FillAsync(withDisk);
        await PickAsync(_page, _page.GetByTestId("template-image"), imageName);
        var disk = Input(_page.Locator("body"), "template-disk");
        await disk.FillAsync("2");
        await disk.PressAsync("Tab");
        await _page.GetByTestId("create-template").ClickAsync();
        var diskRow = table.Locator("tr").Filter(new() { Has = _page.GetByTestId("template-row-name").GetByText(withDisk, new() { Exact = true }) });
        await Expect(diskRow).ToContainTextAsync("2 GiB disk");
        await Expect(diskRow).ToContainTextAsync(imageName);
        var savedWithDisk = (await _api.GetFromJsonAsync<JsonElement>("/api/v1/templates")).GetProperty("items").EnumerateArray()
            .Single(t => t.GetProperty("name").GetString() == withDisk);
        Assert.Equal(2, savedWithDisk.GetProperty("diskGiB").GetInt32());
        _deleteAfter.Add($"/api/v1/templates/{savedWithDisk.GetProperty("id").GetString()}");
        await ScreenshotAsync("templates");
        Step("template with an image and a 2 GiB disk saved");

        // Launch two: the machines page shows both, named <template>-1 and -2, and both run.
        await _page.GetByTestId($"launch-{template}").ClickAsync();
        var launch = Dialog(_page, $"Launch {template}");
        var count = Input(launch, "launch-count");
        await count.FillAsync("2");
        await count.PressAsync("Tab");
        await Expect(launch).ToContainTextAsync($"named {template}-1, -2");
        await launch.GetByTestId("launch-submit").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex("/machines$"));
        foreach (var name in new[] { $"{template}-1", $"{template}-2" })
            await ExpectStateAsync(_page, name, "running", 120_000);
        var launched = (await _api.GetFromJsonAsync<JsonElement>("/api/v1/machines?limit=500")).GetProperty("items").EnumerateArray()
            .Where(m => m.GetProperty("name").GetString() is { } n && (n == $"{template}-1" || n == $"{template}-2")).ToList();
        _machines.AddRange(launched.Select(m => m.GetProperty("id").GetString()!));
        Assert.Equal(2, launched.Count);
        Assert.All(launched, m => Assert.Equal(64, m.GetProperty("memoryMiB").GetInt32()));
        foreach (var m in launched)
            Assert.Equal("running", await Virsh.DomStateAsync(m.GetProperty("domainUuid").GetString()!));
        Step("two launched and running");

        // Launched again with the same names: nothing is made, the dialog says why and stays; another prefix then works.
        await NavigateAsync(_page, "Templates");
        await _page.GetByTestId($"launch-{template}").ClickAsync();
        await launch.GetByTestId("launch-submit").ClickAsync();
        await Expect(launch.GetByTestId("launch-error")).ToContainTextAsync($"{template}-1");
        await Expect(_page).ToHaveURLAsync(new Regex("/templates$"));
        await Input(launch, "launch-prefix").FillAsync(template + "-b");
        await launch.GetByTestId("launch-submit").ClickAsync();
        await Expect(_page).ToHaveURLAsync(new Regex("/machines$"));
        await Expect(_page.GetByTestId($"state-{template}-b-1")).ToBeVisibleAsync();
        var third = (await _api.GetFromJsonAsync<JsonElement>("/api/v1/machines?limit=500")).GetProperty("items").EnumerateArray()
            .Single(m => m.GetProperty("name").GetString() == $"{template}-b-1");
        _machines.Add(third.GetProperty("id").GetString()!);
        Step("second launch refused in the dialog, then made under another prefix");

        // Delete the template, confirmed; the machines stay.
        await NavigateAsync(_page, "Templates");
        await _page.GetByTestId($"delete-template-{template}").ClickAsync();
        var confirm = Dialog(_page, "Delete template");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(diskRow).ToBeVisibleAsync();
        Assert.DoesNotContain((await _api.GetFromJsonAsync<JsonElement>("/api/v1/templates")).GetProperty("items").EnumerateArray(),
            t => t.GetProperty("name").GetString() == template);
        foreach (var m in launched)
            using (var still = await _api.GetAsync($"/api/v1/machines/{m.GetProperty("id").GetString()}"))
                Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        Step("template deleted");

        AssertNoBrowserErrors();
    }

    [Fact]
    public async Task CreateDialog_TemplateNetworkKeyHostnameUserData_MachineBootsWithThem()
    {
        var (imageId, imageName) = await portal.ImageAsync(_api);
        var network = NewName("net");
        using (var created = await _api.PostAsJsonAsync("/api/v1/networks", new { name = network, mode = "isolated" }))
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var networkId = (await _api.GetFromJsonAsync<JsonElement>("/api/v1/networks?limit=500")).GetProperty("items").EnumerateArray()
            .Single(n => n.GetProperty("name").GetString() == network).GetProperty("id").GetGuid();
        var keyName = NewName("key");
        var publicKey = Ed25519PublicKey(keyName);
        using (var key = await _api.PostAsJsonAsync("/api/v1/ssh-keys", new { name = keyName, publicKey }))
        {
            Assert.True(key.StatusCode == HttpStatusCode.Created, await key.Content.ReadAsStringAsync());
            _deleteAfter.Add($"/api/v1/ssh-keys/{(await key.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()}");
        }
        var template = NewName("tpl");
        using (var created = await _api.PostAsJsonAsync("/api/v1/templates", new { name = template, imageId, vcpus = 1, memoryMiB = 64 }))
        {
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
            _deleteAfter.Add($"/api/v1/templates/{(await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()}");
        }
        Step("network, key and template made");

        var name = NewName("ci");
        var hostname = "host-" + name[4..];
        const string userData = "#!/bin/sh\necho cpq-user-data-ran";
        await SignInAsAdminAsync(_page, portal);
        var dialog = await OpenCreateDialogAsync(_page);

        // The template fills in size and image; everything stays editable.
        await PickAsync(_page, dialog.GetByTestId("machine-template-select"), template);
        await Expect(Input(dialog, "machine-memory-input")).ToHaveValueAsync("64");
        // 64 MiB, said so (it read "0.06 GiB").
        await Expect(dialog.GetByRole(AriaRole.Combobox, new() { Name = "Image" })).ToContainTextAsync($"{imageName} (qcow2, 64 MiB)");
        await Input(dialog, "machine-name-input").FillAsync(name);
        await PickAsync(_page, dialog.GetByTestId("machine-network-select"), network);
        await dialog.GetByTestId("cloud-init-panel").GetByText("Cloud-init").ClickAsync();
        await Input(dialog, "machine-hostname").FillAsync(hostname);
        await PickAsync(_page, dialog.GetByTestId("machine-ssh-keys"), keyName);
        // Escape closes the key list (a multi-select stays open after a pick), not the dialog. Under load the first
        // press can come before the list has the focus: press again only while the list is still open.
        for (var attempt = 1; ; attempt++)
        {
            await _page.Keyboard.PressAsync("Escape");
            try
            {
                await Expect(_page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0, new() { Timeout = 5_000 });
                break;
            }
            catch (Exception ex) when (attempt < 4 && ex is PlaywrightException or Xunit.Sdk.XunitException)
            {
            }
        }
        await Expect(dialog).ToBeVisibleAsync();
        // The field names the chosen key (it showed the key's id once).
        await Expect(dialog.GetByRole(AriaRole.Combobox, new() { Name = "SSH keys from your profile" })).ToHaveValueAsync(keyName);
        await dialog.GetByTestId("machine-user-data").Locator("xpath=descendant-or-self::textarea").First.FillAsync(userData);
        await ScreenshotAsync("create-dialog");
        await dialog.GetByTestId("create-machine-submit").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync(new() { Timeout = 30_000 });
        Step("submitted");

        await ExpectStateAsync(_page, name, "running", 120_000);
        var machine = (await _api.GetFromJsonAsync<JsonElement>("/api/v1/machines?limit=500")).GetProperty("items").EnumerateArray()
            .Single(m => m.GetProperty("name").GetString() == name);
        _machines.Add(machine.GetProperty("id").GetString()!);
        Assert.Equal(imageId, machine.GetProperty("imageId").GetString());
        Assert.Equal(64, machine.GetProperty("memoryMiB").GetInt32());
        Step("running");

        // libvirt: the NIC is on the chosen network, and the seed CD-ROM carries the hostname, the key and the user-data.
        var domain = await Virsh.FindDomainOfAsync(name);
        Assert.NotNull(domain);
        var xml = XDocument.Parse(await DomainXmlAsync(domain!, inactive: false));
        var nic = Assert.Single(xml.Descendants("interface"));
        var source = nic.Element("source");
        Assert.True((string?)source?.Attribute("network") == NetworkNames.Network(networkId) || (string?)source?.Attribute("bridge") == NetworkNames.Bridge(networkId),
            $"the NIC is not on network {network}: {nic}");
        var seed = xml.Descendants("disk").Single(d => (string?)d.Attribute("device") == "cdrom").Element("source")!.Attribute("file")!.Value;
        // ISO 9660 stores files as they are: the seed's text is in its bytes.
        var iso = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(seed));
        Assert.Contains(hostname, iso);
        Assert.Contains(publicKey.Split(' ')[1], iso);
        Assert.Contains("echo cpq-user-data-ran", iso);
        Step("checked in libvirt");

        AssertNoBrowserErrors();
    }

    /// <summary>An OpenSSH ed25519 public key line with random key bytes: the portal checks its form, not who holds it.</summary>
    private static string Ed25519PublicKey(string comment)
    {
        using var blob = new MemoryStream();
        void Write(byte[] bytes)
        {
            blob.Write([(byte)(bytes.Length >> 24), (byte)(bytes.Length >> 16), (byte)(bytes.Length >> 8), (byte)bytes.Length]);
            blob.Write(bytes);
        }
        Write(Encoding.ASCII.GetBytes("ssh-ed25519"));
        Write(RandomNumberGenerator.GetBytes(32));
        return $"ssh-ed25519 {Convert.ToBase64String(blob.ToArray())} {comment}";
    }
}
