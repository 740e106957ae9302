using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static CloudPortal.EndToEnd.Tests.PortalPage;

namespace CloudPortal.EndToEnd.Tests;

/// <summary>Issue 7, item 3: the images page in real Chromium: upload with progress, deduplication figures, delete.</summary>
[Collection(PortalCollection.Name)]
public sealed class ImagePageTests(PortalFixture portal, ITestOutputHelper output) : IAsyncLifetime
{
    private IPage _page = default!;
    private readonly List<string> _browserErrors = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("cpk-e2e-").FullName;

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
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Random sectors after a zero first sector: qemu-img probes it as raw, and no two runs share its bytes.</summary>
    private string RawFile(int mib)
    {
        var path = Path.Combine(_dir, $"cpk-{Guid.NewGuid():N}.raw");
        var data = RandomNumberGenerator.GetBytes(mib * 1024 * 1024);
        Array.Clear(data, 0, 512);
        File.WriteAllBytes(path, data);
        return path;
    }

    /// <summary>
    /// Chooses the file. The page is prerendered: a choice made before the circuit is attached is not seen, so it is
    /// made again until the page has filled in the name from the file.
    /// </summary>
    private async Task ChooseFileAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var name = Input(_page.Locator("body"), "image-name");
        while (true)
        {
            await _page.GetByTestId("image-file").SetInputFilesAsync(path);
            try
            {
                await Expect(name).ToHaveValueAsync(Path.GetFileNameWithoutExtension(path), new() { Timeout = 2_000 });
                return;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private async Task UploadAsync(string path, string name)
    {
        await ChooseFileAsync(path);
        await Input(_page.Locator("body"), "image-name").FillAsync(name);
        await _page.GetByTestId("image-upload").ClickAsync();
        await Expect(_page.GetByTestId("image-row-name").Filter(new() { HasText = name })).ToBeVisibleAsync(new() { Timeout = 120_000 });
    }

    [Fact]
    public async Task ImagesPage_UploadWithProgressTwiceDeduplicatedThenDelete()
    {
        await SignInAsAdminAsync(_page, portal);
        await _page.GotoAsync("/images");
        await Expect(_page.GetByTestId("images-table")).ToBeVisibleAsync();

        // The upload is throttled so that its progress is seen on the way, as on a real network.
        var cdp = await _page.Context.NewCDPSessionAsync(_page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = 2 * 1024 * 1024,
        });

        var path = RawFile(8);
        var first = "cpk-e2e-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        await ChooseFileAsync(path);
        await Input(_page.Locator("body"), "image-name").FillAsync(first);
        await _page.GetByTestId("image-upload").ClickAsync();
        await Expect(_page.GetByTestId("image-progress-text")).ToContainTextAsync(new Regex(@"of 8 MiB \(\d+%\)"), new() { Timeout = 30_000 });
        await Expect(_page.GetByTestId("image-row-name").Filter(new() { HasText = first })).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = -1,
        });

        // The same bytes again: a second image, no second copy; the saving is shown.
        var second = first + "-again";
        await UploadAsync(path, second);
        await Expect(_page.GetByTestId("images-saved")).ToContainTextAsync("8 MiB");

        var bad = Path.Combine(_dir, "cpk-garbage.img");
        await File.WriteAllTextAsync(bad, "not a disk image");
        await ChooseFileAsync(bad);
        await _page.GetByTestId("image-upload").ClickAsync();
        await Expect(_page.GetByTestId("image-upload-error")).ToContainTextAsync("512-byte sectors");

        await _page.GetByTestId($"delete-image-{second}").ClickAsync();
        var confirm = _page.GetByRole(AriaRole.Dialog).Filter(new() { HasText = "Delete image" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(_page.GetByTestId("image-row-name").Filter(new() { HasText = second })).ToHaveCountAsync(0);
        await Expect(_page.GetByTestId("images-saved")).ToContainTextAsync("0 B");

        await _page.GetByTestId($"delete-image-{first}").ClickAsync();
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(_page.GetByTestId("image-row-name").Filter(new() { HasText = first })).ToHaveCountAsync(0);

        // The refused upload's 400 is the one error the browser logs on purpose.
        lock (_browserErrors)
        {
            var unexpected = _browserErrors.Where(e => !e.Contains("status of 400 (Bad Request)", StringComparison.Ordinal)).ToList();
            Assert.True(unexpected.Count == 0, "browser errors:\n" + string.Join("\n", unexpected));
        }
    }
}
