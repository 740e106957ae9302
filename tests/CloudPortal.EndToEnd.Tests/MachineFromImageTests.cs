using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static CloudPortal.EndToEnd.Tests.PortalPage;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>Issue 7, item 4 in the browser: the create dialog offers the catalogue, and the machine boots from an overlay.</summary>
[Collection(PortalCollection.Name)]
public sealed class MachineFromImageTests(PortalFixture portal, ITestOutputHelper output) : IAsyncLifetime
{
    private IPage _page = default!;
    private HttpClient _api = default!;
    private readonly string _dir = Directory.CreateTempSubdirectory("cpe-img-").FullName;
    private readonly List<string> _machines = [];
    private string? _imageId;

    public async Task InitializeAsync()
    {
        _page = await portal.NewPageAsync();
        _api = await portal.NewApiClientAsync(TimeSpan.FromMinutes(2));
    }

    public async Task DisposeAsync()
    {
        await _page.Context.CloseAsync();
        // Machines first: the catalogue refuses to delete an image that machines still use.
        foreach (var id in _machines)
        {
            using var _ = await _api.DeleteAsync($"/api/v1/machines/{id}");
            for (int i = 0; i < 60; i++)
            {
                using var get = await _api.GetAsync($"/api/v1/machines/{id}");
                if (get.StatusCode == System.Net.HttpStatusCode.NotFound)
                    break;
                await Task.Delay(1000);
            }
        }
        if (_imageId is not null)
        {
            using var deleted = await _api.DeleteAsync($"/api/v1/images/{_imageId}");
            output.WriteLine($"image delete: {(int)deleted.StatusCode}");
        }
        _api.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(string Id, string Name)> UploadImageAsync()
    {
        var path = Path.Combine(_dir, "cpe-base.qcow2");
        var qemuImg = Process.Start(new ProcessStartInfo("qemu-img", ["create", "-q", "-f", "qcow2", path, "64M"]))!;
        await qemuImg.WaitForExitAsync();
        Assert.Equal(0, qemuImg.ExitCode);

        var name = "cpe-img-" + Guid.NewGuid().ToString("N")[..8];
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(name), "name");
        var file = new StreamContent(File.OpenRead(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "cpe-base.qcow2");
        using var response = await _api.PostAsync("/api/v1/images", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"upload failed: {(int)response.StatusCode} {body}");
        var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
        _imageId = id;
        return (id, name);
    }

    [Fact]
    public async Task CreateDialog_ImageChosen_MachineRunsFromCopyOnWriteOverlay()
    {
        var (_, imageName) = await UploadImageAsync();
        var name = "cpe-img-" + Guid.NewGuid().ToString("N")[..8];
        await SignInAsAdminAsync(_page, portal);

        var dialog = await OpenCreateDialogAsync(_page);
        await Input(dialog, "machine-name-input").FillAsync(name);
        var memory = Input(dialog, "machine-memory-input");
        await memory.FillAsync("64");
        await memory.PressAsync("Tab");
        await dialog.GetByTestId("machine-image-select").ClickAsync();
        await _page.GetByText($"{imageName} (qcow2", new() { Exact = false }).ClickAsync();
        await Expect(Input(dialog, "machine-disk-input")).ToBeVisibleAsync();
        await dialog.GetByTestId("create-machine-submit").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync(new() { Timeout = 30_000 });

        await ExpectStateAsync(_page, name, "running", 120_000);
        using (var list = await _api.GetAsync($"/api/v1/machines?limit=500"))
        {
            var items = (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray();
            _machines.Add(items.Single(m => m.GetProperty("name").GetString() == name).GetProperty("id").GetString()!);
        }

        var domain = await Virsh.FindDomainOfAsync(name);
        Assert.NotNull(domain);
        var (code, blocks, error) = await Virsh.RunAsync("domblklist", domain!);
        Assert.True(code == 0, error);
        var overlay = blocks.Split('\n').Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 2 && parts[1].EndsWith(".qcow2", StringComparison.Ordinal)).Select(parts => parts[1]).Single();
        var info = Process.Start(new ProcessStartInfo("qemu-img", ["info", "-U", "--output=json", overlay]) { RedirectStandardOutput = true })!;
        var json = JsonDocument.Parse(await info.StandardOutput.ReadToEndAsync()).RootElement;
        await info.WaitForExitAsync();
        Assert.True(json.TryGetProperty("backing-filename", out var backing), "the root disk has no backing file: it is not an overlay");
        output.WriteLine($"root disk {overlay} backed by {backing.GetString()}");

        // The machine page lists the overlay among the machine's disks.
        await _page.GotoAsync(new Uri(portal.BaseAddress, $"/machines/{_machines[0]}").ToString());
        await Expect(_page.GetByTestId("disks")).ToContainTextAsync(overlay, new() { Timeout = 30_000 });
    }
}
