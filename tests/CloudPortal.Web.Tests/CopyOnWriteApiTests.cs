using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests;

/// <summary>The catalogue's contract served from files the test made with qemu-img: the catalogue itself is another feature.</summary>
public sealed class FileImageCatalogue : IImageContentSource
{
    private readonly Dictionary<Guid, (Guid TenantId, ImageContent Content)> _images = [];

    public void Add(Guid tenantId, ImageContent content)
    {
        lock (_images)
            _images[content.ImageId] = (tenantId, content);
    }

    public Task<ImageContent?> FindForCallerAsync(Caller caller, Guid imageId, CancellationToken cancellationToken)
    {
        lock (_images)
            return Task.FromResult(_images.TryGetValue(imageId, out var e) && (e.TenantId == caller.TenantId || caller.IsAdmin) ? e.Content : null);
    }
}

/// <summary>A portal with its own cps-webcow-* portal pool and a file-backed image catalogue.</summary>
public sealed class CopyOnWritePortal() : OwnPoolPortal("cps-webcow-")
{
    public FileImageCatalogue Images { get; } = new();
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("cps-webcow-").FullName;

    protected override void Configure(IWebHostBuilder builder) =>
        builder.ConfigureTestServices(services => services.AddSingleton<IImageContentSource>(Images));

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
    }
}

[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class CopyOnWriteApiTests(CopyOnWritePortal portal) : IClassFixture<CopyOnWritePortal>
{
    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {error}");
        return output;
    }

    private async Task<ImageContent> MakeImageAsync(int virtualMiB)
    {
        var path = Path.Combine(portal.WorkDirectory, Guid.NewGuid().ToString("N") + ".qcow2");
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", path, $"{virtualMiB}M");
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 3 0 1M", path);
        await using var file = File.OpenRead(path);
        var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        var image = new ImageContent(Guid.NewGuid(), Path.GetFileName(path), sha, ImageFormat.Qcow2, (long)virtualMiB << 20, new FileInfo(path).Length, path);
        portal.Images.Add(DefaultTenant.Id, image);
        return image;
    }

    /// <summary>A running machine made from the image (64 MiB, cpw- name), after its create operation succeeded.</summary>
    private async Task<System.Text.Json.JsonElement> CreateFromImageAsync(ImageContent image, int? diskGiB = null)
    {
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        var disk = diskGiB is { } gib ? $",\"diskGiB\":{gib}" : "";
        using var response = await portal.Admin.PostJsonAsync("/api/v1/machines",
            $$"""{"name":"{{name}}","vcpus":1,"memoryMiB":64,"imageId":"{{image.ImageId}}"{{disk}}}""");
        var created = await response.JsonAsync(HttpStatusCode.Accepted);
        var operation = await portal.Admin.WaitOperationAsync(created.GetProperty("operationId").GetString()!, TimeSpan.FromMinutes(3));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create failed: {operation}");
        return created;
    }

    [Fact]
    public async Task PostMachine_WithImage_BootsFromOverlayAndDeleteRemovesDisks()
    {
        var image = await MakeImageAsync(64);
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        using var response = await portal.Admin.PostJsonAsync("/api/v1/machines",
            $$"""{"name":"{{name}}","vcpus":1,"memoryMiB":64,"imageId":"{{image.ImageId}}","diskGiB":1}""");
        var created = await response.JsonAsync(HttpStatusCode.Accepted);
        var operation = await portal.Admin.WaitOperationAsync(created.GetProperty("operationId").GetString()!, TimeSpan.FromMinutes(3));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create failed: {operation}");
        var uuid = created.GetProperty("domainUuid").GetString()!;
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));

        var overlay = $"/var/lib/{portal.Pool}/{uuid}.qcow2";
        var (_, blk, _) = await Virsh.RunAsync("domblklist", uuid);
        Assert.Contains(overlay, blk, StringComparison.Ordinal);
        var info = await RunAsync("qemu-img", "info", "-U", overlay);
        Assert.Contains($"backing file: /var/lib/{portal.Pool}/base-{image.Sha256}.qcow2", info, StringComparison.Ordinal);
        Assert.Contains("virtual size: 1 GiB", info, StringComparison.Ordinal);

        using var deleted = await portal.Admin.DeleteAsync($"/api/v1/machines/{created.GetProperty("id").GetString()}");
        var deleting = await deleted.JsonAsync(HttpStatusCode.Accepted);
        var done = await portal.Admin.WaitOperationAsync(deleting.GetProperty("id").GetString()!, TimeSpan.FromMinutes(2));
        Assert.Equal("succeeded", done.GetProperty("state").GetString());
        Assert.False(File.Exists(overlay));
        Assert.False(File.Exists($"/var/lib/{portal.Pool}/base-{image.Sha256}.qcow2"));
    }

    [Fact]
    public async Task PostMachine_DiskSmallerThanImage_Returns400OnDiskGiB()
    {
        var image = await MakeImageAsync(2048);
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        using var response = await portal.Admin.PostJsonAsync("/api/v1/machines",
            $$"""{"name":"{{name}}","vcpus":1,"memoryMiB":64,"imageId":"{{image.ImageId}}","diskGiB":1}""");
        await response.ValidationProblemAsync("diskGiB");
    }

    [Fact]
    public async Task PostMachine_UnknownImage_Returns400OnImageId()
    {
        var name = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        using var response = await portal.Admin.PostJsonAsync("/api/v1/machines",
            $$"""{"name":"{{name}}","vcpus":1,"memoryMiB":64,"imageId":"{{Guid.NewGuid()}}"}""");
        await response.ValidationProblemAsync("imageId");
    }

    [Fact]
    public async Task CaptureMachine_Stopped_PublishesTheFlattenedDiskOnceAndDedupesTheSecond()
    {
        var image = await MakeImageAsync(64);
        var created = await CreateFromImageAsync(image);
        var id = created.GetProperty("id").GetString()!;
        var overlay = $"/var/lib/{portal.Pool}/{created.GetProperty("domainUuid").GetString()}.qcow2";

        using (var running = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/capture", """{"name":"too-early"}"""))
            Assert.Contains("running", (await running.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await portal.Admin.ActAsync(id, "poweroff");
        // Something of the machine's own on top of the image, so the capture is more than the base.
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 7 4M 1M", overlay);

        // The same disk flattened by hand: a capture must publish exactly these bytes.
        var byHand = Path.Combine(Path.GetTempPath(), $"cpv-capture-{Guid.NewGuid():N}.qcow2");
        string expectedSha256;
        try
        {
            await RunAsync("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "qcow2", overlay, byHand);
            await using var file = File.OpenRead(byHand);
            expectedSha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file));
        }
        finally
        {
            File.Delete(byHand);
        }

        var images = portal.Factory.Services.GetRequiredService<ImageCatalogue>();
        var captured = new List<(string Sha256, string Detail)>();
        foreach (var imageName in new[] { PortalApi.UniqueName("cap"), PortalApi.UniqueName("cap") })
        {
            using var capture = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/capture", $$"""{"name":"{{imageName}}","description":"captured"}""");
            var operation = await capture.JsonAsync(HttpStatusCode.Accepted);
            Assert.Equal("capture", operation.GetProperty("kind").GetString());
            var done = await portal.Admin.WaitOperationAsync(operation.GetProperty("id").GetString()!, TimeSpan.FromMinutes(3));
            Assert.True(done.GetProperty("state").GetString() == "succeeded", $"capture failed: {done}");
            var list = await (await portal.Admin.GetAsync($"/api/v1/images?filter={imageName}")).JsonAsync(HttpStatusCode.OK);
            var published = Assert.Single(list.GetProperty("items").EnumerateArray());
            Assert.Equal("private", published.GetProperty("visibility").GetString());
            Assert.Equal("qcow2", published.GetProperty("format").GetString());
            var content = await images.FindForCallerAsync(new Caller(Guid.Empty, "admin", DefaultTenant.Id, Roles.Admin),
                published.GetProperty("id").GetGuid(), CancellationToken.None);
            // Flattened: no backing file, and the same guest-visible bytes as the machine's disk with its image under it.
            Assert.DoesNotContain("backing file", await RunAsync("qemu-img", "info", content!.BlobPath));
            await RunAsync("qemu-img", "compare", "-f", "qcow2", "-F", "qcow2", overlay, content.BlobPath);
            captured.Add((published.GetProperty("sha256").GetString()!, done.GetRawText()));
        }
        Assert.Equal(expectedSha256, captured[0].Sha256);
        Assert.Equal(captured[0].Sha256, captured[1].Sha256);
        Assert.Empty(Directory.GetFiles($"/var/lib/{portal.Pool}", "capture-*"));
    }

    [Fact]
    public async Task Snapshots_StoppedAndRunningMachine_RevertRestoresDiskAndMemory()
    {
        var image = await MakeImageAsync(64);
        var created = await CreateFromImageAsync(image);
        var id = created.GetProperty("id").GetString()!;
        var uuid = created.GetProperty("domainUuid").GetString()!;
        var overlay = $"/var/lib/{portal.Pool}/{uuid}.qcow2";
        var snapshots = $"/api/v1/machines/{id}/snapshots";

        // Running: disk and memory; reverting later brings the machine back running.
        using (var live = await portal.Admin.PostJsonAsync(snapshots, """{"name":"live","description":"while it ran"}"""))
            Assert.True((await live.JsonAsync(HttpStatusCode.Created)).GetProperty("hasMemory").GetBoolean());
        await portal.Admin.ActAsync(id, "poweroff");

        // Stopped: the disk only. Then the disk changes, and the revert undoes the change.
        using var before = await portal.Admin.PostJsonAsync(snapshots, """{"name":"before"}""");
        var beforeBody = await before.JsonAsync(HttpStatusCode.Created);
        Assert.False(beforeBody.GetProperty("hasMemory").GetBoolean());
        using (var twice = await portal.Admin.PostJsonAsync(snapshots, """{"name":"before"}"""))
            await twice.ProblemAsync(HttpStatusCode.Conflict);
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 9 0 1M", overlay);
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "read -P 9 0 1M", overlay);

        using (var reverted = await portal.Admin.PostAsync($"{snapshots}/{beforeBody.GetProperty("id").GetString()}/revert", null))
            Assert.Equal("stopped", (await reverted.JsonAsync(HttpStatusCode.OK)).GetProperty("state").GetString());
        // The image wrote pattern 3 there; the machine's own pattern 9 is gone with the revert.
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "read -P 3 0 1M", overlay);

        var listed = await (await portal.Admin.GetAsync(snapshots)).JsonAsync(HttpStatusCode.OK);
        var liveSnapshot = listed.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "live");
        using (var revertedLive = await portal.Admin.PostAsync($"{snapshots}/{liveSnapshot.GetProperty("id").GetString()}/revert", null))
            Assert.Equal("running", (await revertedLive.JsonAsync(HttpStatusCode.OK)).GetProperty("state").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));

        foreach (var snapshot in listed.GetProperty("items").EnumerateArray())
            Assert.Equal(HttpStatusCode.NoContent, (await portal.Admin.DeleteAsync($"{snapshots}/{snapshot.GetProperty("id").GetString()}")).StatusCode);
        Assert.Empty((await (await portal.Admin.GetAsync(snapshots)).JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        var (_, libvirtList, _) = await Virsh.RunAsync("snapshot-list", uuid, "--name");
        Assert.True(string.IsNullOrWhiteSpace(libvirtList), libvirtList);
        await (await portal.Admin.PostAsync($"{snapshots}/{Guid.NewGuid()}/revert", null)).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rebuild_RunningMachine_FreshDiskFromAnotherImageAndRunningAgain()
    {
        var first = await MakeImageAsync(64);
        var second = await MakeImageAsync(96);
        var created = await CreateFromImageAsync(first);
        var id = created.GetProperty("id").GetString()!;
        var uuid = created.GetProperty("domainUuid").GetString()!;
        Assert.Equal(first.ImageId.ToString(), created.GetProperty("imageId").GetString());
        var overlay = $"/var/lib/{portal.Pool}/{uuid}.qcow2";
        using (var snap = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", """{"name":"old"}"""))
            Assert.Equal(HttpStatusCode.Created, snap.StatusCode);

        using var rebuilt = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/rebuild", $$"""{"imageId":"{{second.ImageId}}"}""");
        var body = await rebuilt.JsonAsync(HttpStatusCode.OK);
        Assert.Equal("running", body.GetProperty("state").GetString());
        Assert.Equal(second.ImageId.ToString(), body.GetProperty("imageId").GetString());
        Assert.Equal("running", await Virsh.DomStateAsync(uuid));
        var info = await RunAsync("qemu-img", "info", "-U", overlay);
        Assert.Contains($"base-{second.Sha256}", info, StringComparison.Ordinal);
        Assert.Empty((await (await portal.Admin.GetAsync($"/api/v1/machines/{id}/snapshots")).JsonAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray());
        var (_, libvirtList, _) = await Virsh.RunAsync("snapshot-list", uuid, "--name");
        Assert.True(string.IsNullOrWhiteSpace(libvirtList), libvirtList);

        await (await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/rebuild", $$"""{"imageId":"{{Guid.NewGuid()}}"}""")).ValidationProblemAsync("imageId");
    }

    [Fact]
    public async Task Clone_StoppedMachine_NewMachineOnTheSameHostWithACopyOfItsDisk()
    {
        var image = await MakeImageAsync(64);
        var created = await CreateFromImageAsync(image);
        var id = created.GetProperty("id").GetString()!;
        var sourceOverlay = $"/var/lib/{portal.Pool}/{created.GetProperty("domainUuid").GetString()}.qcow2";

        var cloneName = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        using (var running = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{cloneName}}"}"""))
            Assert.Contains("running", (await running.ProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
        await portal.Admin.ActAsync(id, "poweroff");
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 5 2M 1M", sourceOverlay);

        using var cloned = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{cloneName}}"}""");
        var clone = await cloned.JsonAsync(HttpStatusCode.Accepted);
        var operation = await portal.Admin.WaitOperationAsync(clone.GetProperty("operationId").GetString()!, TimeSpan.FromMinutes(3));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"clone failed: {operation}");
        Assert.Equal(created.GetProperty("hostId").GetString(), clone.GetProperty("hostId").GetString());
        Assert.Equal(image.ImageId.ToString(), clone.GetProperty("imageId").GetString());
        var cloneUuid = clone.GetProperty("domainUuid").GetString()!;
        Assert.Equal("running", await Virsh.DomStateAsync(cloneUuid));
        var cloneOverlay = $"/var/lib/{portal.Pool}/{cloneUuid}.qcow2";
        // Its own full copy: the machine's write and the image's bytes both, and no backing file.
        Assert.DoesNotContain("backing file", await RunAsync("qemu-img", "info", "-U", cloneOverlay));
        await RunAsync("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 5 2M 1M", cloneOverlay);
        await RunAsync("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 3 0 1M", cloneOverlay);
        Assert.Equal("stopped", (await portal.Admin.GetMachineAsync(id)).GetProperty("state").GetString());

        // From a snapshot: the clone gets the disk as the snapshot left it; the source keeps its own disk and snapshots.
        string snapshotId;
        using (var snap = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", """{"name":"five"}"""))
            snapshotId = (await snap.JsonAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 7 2M 1M", sourceOverlay);
        using (var unknown = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"x-1","snapshotId":"{{Guid.NewGuid()}}"}"""))
            await unknown.ProblemAsync(HttpStatusCode.NotFound);
        var secondName = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        using var fromSnapshot = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{secondName}}","snapshotId":"{{snapshotId}}"}""");
        var second = await fromSnapshot.JsonAsync(HttpStatusCode.Accepted);
        var secondOperation = await portal.Admin.WaitOperationAsync(second.GetProperty("operationId").GetString()!, TimeSpan.FromMinutes(3));
        Assert.True(secondOperation.GetProperty("state").GetString() == "succeeded", $"clone from a snapshot failed: {secondOperation}");
        var secondUuid = second.GetProperty("domainUuid").GetString()!;
        Assert.Equal("running", await Virsh.DomStateAsync(secondUuid));
        await RunAsync("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 5 2M 1M", $"/var/lib/{portal.Pool}/{secondUuid}.qcow2");
        await RunAsync("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 7 2M 1M", sourceOverlay);
        Assert.Equal("stopped", (await portal.Admin.GetMachineAsync(id)).GetProperty("state").GetString());
        var (_, libvirtList, _) = await Virsh.RunAsync("snapshot-list", created.GetProperty("domainUuid").GetString()!, "--name");
        Assert.Equal("cp-" + Guid.Parse(snapshotId).ToString("N"), libvirtList.Trim());

        // A snapshot with memory (taken while it ran): the copy is its disk, and the source is stopped again after.
        await portal.Admin.ActAsync(id, "start");
        string liveId;
        using (var live = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/snapshots", """{"name":"live"}"""))
        {
            var liveBody = await live.JsonAsync(HttpStatusCode.Created);
            Assert.True(liveBody.GetProperty("hasMemory").GetBoolean());
            liveId = liveBody.GetProperty("id").GetString()!;
        }
        await portal.Admin.ActAsync(id, "poweroff");
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 8 2M 1M", sourceOverlay);
        var thirdName = PortalApi.UniqueName(Virsh.TestPrefix.TrimEnd('-'));
        using var fromLive = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/clone", $$"""{"name":"{{thirdName}}","snapshotId":"{{liveId}}"}""");
        var third = await fromLive.JsonAsync(HttpStatusCode.Accepted);
        var thirdOperation = await portal.Admin.WaitOperationAsync(third.GetProperty("operationId").GetString()!, TimeSpan.FromMinutes(3));
        Assert.True(thirdOperation.GetProperty("state").GetString() == "succeeded", $"clone from a memory snapshot failed: {thirdOperation}");
        await RunAsync("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 7 2M 1M", $"/var/lib/{portal.Pool}/{third.GetProperty("domainUuid").GetString()}.qcow2");
        await RunAsync("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 8 2M 1M", sourceOverlay);
        Assert.Equal("shut off", await Virsh.DomStateAsync(created.GetProperty("domainUuid").GetString()!));
        Assert.Equal("stopped", (await portal.Admin.GetMachineAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task GrowDisk_RunningThenStopped_GrowsTheOverlayAndNeverShrinks()
    {
        var image = await MakeImageAsync(64);
        var created = await CreateFromImageAsync(image, 1);
        var id = created.GetProperty("id").GetString()!;
        var overlay = $"/var/lib/{portal.Pool}/{created.GetProperty("domainUuid").GetString()}.qcow2";

        using (var live = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/grow-disk", """{"sizeGiB":2}"""))
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Contains("virtual size: 2 GiB", await RunAsync("qemu-img", "info", "-U", overlay), StringComparison.Ordinal);
        await portal.Admin.ActAsync(id, "poweroff");
        using (var stopped = await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/grow-disk", """{"sizeGiB":3}"""))
            Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Contains("virtual size: 3 GiB", await RunAsync("qemu-img", "info", "-U", overlay), StringComparison.Ordinal);
        await (await portal.Admin.PostJsonAsync($"/api/v1/machines/{id}/grow-disk", """{"sizeGiB":2}""")).ValidationProblemAsync("sizeGiB");
    }
}
