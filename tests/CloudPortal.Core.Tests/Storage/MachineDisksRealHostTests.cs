using CloudPortal.Core.Hosts;
using CloudPortal.Core.Images;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Storage;
using LibvirtSharp;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>Copy-on-write disks on the real qemu:///system, in a pool of the test's own (cps- prefix).</summary>
[Trait("Category", "RealHost")]
public sealed class MachineDisksRealHostTests : IAsyncLifetime
{
    private RealHostPool _host = null!;
    private MachineDisks _disks = null!;

    public async Task InitializeAsync()
    {
        _host = await RealHostPool.StartAsync("cps-core-");
        _disks = _host.Disks();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CreateOverlayAsync_TwoMachinesOneImage_OneBaseUploadedAndSharedThenCollected()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_host.WorkDirectory, "small.qcow2"), virtualMiB: 64, dataMiB: 4);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        var path1 = await _disks.CreateOverlayAsync(_host.HostId, first, image, MachineDisks.CapacityBytes(image, 1), CancellationToken.None);
        var path2 = await _disks.CreateOverlayAsync(_host.HostId, second, image, MachineDisks.CapacityBytes(image, null), CancellationToken.None);

        string basePath = $"/var/lib/{_host.Pool}/{MachineDisks.BaseVolumeName(image)}";
        Assert.Equal(3, _host.VolumeNames().Count);
        var info1 = await QemuImg.RunAsync("qemu-img", "info", "-U", "--output=json", path1);
        Assert.Contains($"\"backing-filename\": \"{basePath}\"", info1, StringComparison.Ordinal);
        Assert.Contains("\"backing-filename-format\": \"qcow2\"", info1, StringComparison.Ordinal);
        Assert.Contains($"\"virtual-size\": {1L << 30}", info1, StringComparison.Ordinal);
        var info2 = await QemuImg.RunAsync("qemu-img", "info", "-U", "--output=json", path2);
        Assert.Contains($"\"virtual-size\": {64L << 20}", info2, StringComparison.Ordinal);
        // The base is the uploaded file byte for byte.
        Assert.Equal(await File.ReadAllBytesAsync(image.BlobPath), await File.ReadAllBytesAsync(basePath));
        // The guest sees the image's data through the overlay.
        await QemuImg.RunAsync("qemu-io", "-r", "-U", "-f", "qcow2", "-c", "read -P 7 0 4M", path1);

        Assert.True(await _disks.RemoveOverlayAsync(_host.HostId, first, CancellationToken.None));
        Assert.Contains(MachineDisks.BaseVolumeName(image), _host.VolumeNames());
        Assert.True(await _disks.RemoveOverlayAsync(_host.HostId, second, CancellationToken.None));
        Assert.Empty(_host.VolumeNames());
        Assert.False(await _disks.RemoveOverlayAsync(_host.HostId, second, CancellationToken.None));
    }

    [Fact]
    public async Task CreateOverlayAsync_DamagedBaseOnHost_ReplacedByVerifiedUpload()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_host.WorkDirectory, "img.qcow2"), virtualMiB: 32, dataMiB: 1);
        var machine = Guid.NewGuid();
        await _disks.CreateOverlayAsync(_host.HostId, machine, image, image.VirtualSizeBytes, CancellationToken.None);
        await _disks.RemoveOverlayAsync(_host.HostId, machine, CancellationToken.None);

        // A base of the right name but wrong bytes, as an upload cut short by a crash would leave, seen by a fresh portal.
        string basePath = $"/var/lib/{_host.Pool}/{MachineDisks.BaseVolumeName(image)}";
        await File.WriteAllBytesAsync(basePath, new byte[image.SizeBytes]);
        var fresh = _host.Disks();
        using (var conn = Connection.Open(RealHostPool.Uri))
        using (var pool = conn.LookupStoragePoolByName(_host.Pool)!)
            pool.Refresh();

        await fresh.CreateOverlayAsync(_host.HostId, machine, image, image.VirtualSizeBytes, CancellationToken.None);

        Assert.Equal(await File.ReadAllBytesAsync(image.BlobPath), await File.ReadAllBytesAsync(basePath));
        await fresh.RemoveOverlayAsync(_host.HostId, machine, CancellationToken.None);
    }

    [Fact]
    public async Task Domain_WithOverlayRootDisk_Starts()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_host.WorkDirectory, "boot.qcow2"), virtualMiB: 32, dataMiB: 1);
        var machine = new Machine
        {
            Id = Guid.NewGuid(), Name = _host.Pool, Vcpus = 1, MemoryMiB = 64, DomainUuid = Guid.NewGuid(),
            TenantId = Guid.NewGuid(), OwnerId = Guid.NewGuid(),
        };
        var path = await _disks.CreateOverlayAsync(_host.HostId, machine.DomainUuid, image, image.VirtualSizeBytes, CancellationToken.None);
        var domainType = _host.Connections.GetStatus(_host.HostId).Virtualization ?? VirtualizationProbe.Tcg;
        var xml = DomainXmlBuilder.Build(new DomainSpec(machine, domainType,
            new PortalMetadata(Guid.NewGuid(), machine.Id, machine.TenantId, machine.OwnerId), new MachineDisk(path)));
        _host.TrackDomain(machine.DomainUuid);

        await _host.Connections.RunAsync(_host.HostId, conn =>
        {
            using var dom = conn.DefineDomainXml(xml);
            dom.Create();
        }, CancellationToken.None);

        var running = await _host.Connections.RunAsync(_host.HostId, conn =>
        {
            using var dom = conn.LookupDomainByUuid(machine.DomainUuid)!;
            return dom.IsActive && dom.GetXmlDescription().Contains(path, StringComparison.Ordinal);
        }, CancellationToken.None);
        Assert.True(running);
        var info = await QemuImg.RunAsync("qemu-img", "info", "-U", path);
        Assert.Contains($"backing file: /var/lib/{_host.Pool}/{MachineDisks.BaseVolumeName(image)}", info, StringComparison.Ordinal);
    }
}
