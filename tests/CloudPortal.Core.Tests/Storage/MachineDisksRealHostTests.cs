using CloudPortal.Core.Hosts;
using CloudPortal.Core.Images;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Storage;
using LibvirtSharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>Copy-on-write disks on the real qemu:///system, in a pool of the test's own (cps- prefix).</summary>
[Trait("Category", "RealHost")]
public sealed class MachineDisksRealHostTests : IAsyncLifetime
{
    private const string Uri = "qemu:///system";
    private const string Prefix = "cps-core-";
    private readonly string _pool = Prefix + Guid.NewGuid().ToString("N")[..8];
    private readonly string _work = Path.Combine(Path.GetTempPath(), Prefix + Guid.NewGuid().ToString("N")[..8]);
    private readonly Guid _hostId = Guid.NewGuid();
    private readonly List<Guid> _domains = [];
    private HostConnections _connections = null!;
    private MachineDisks _disks = null!;

    public async Task InitializeAsync()
    {
        SweepLeftovers();
        Directory.CreateDirectory(_work);
        _connections = new HostConnections(new VirtualizationProbe(NullLogger<VirtualizationProbe>.Instance), NullLogger<HostConnections>.Instance);
        _connections.Start(new Host { Id = _hostId, Name = "local", Uri = Uri });
        Assert.True(await _connections.WaitConnectedAsync(_hostId, TimeSpan.FromSeconds(60), CancellationToken.None));
        _disks = new MachineDisks(_connections,
            Options.Create(new StorageOptions { PortalPoolName = _pool, PortalPoolPath = "/var/lib/" + _pool }),
            NullLogger<MachineDisks>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _connections.DisposeAsync();
        using var conn = Connection.Open(Uri);
        foreach (var uuid in _domains)
        {
            using var dom = conn.LookupDomainByUuid(uuid);
            if (dom is null)
                continue;
            if (dom.IsActive)
                dom.Destroy();
            dom.Undefine(DomainUndefineFlags.ManagedSave);
        }
        using (var pool = conn.LookupStoragePoolByName(_pool))
            if (pool is not null)
                RemovePool(pool);
        Directory.Delete(_work, recursive: true);
    }

    private static void SweepLeftovers()
    {
        using var conn = Connection.Open(Uri);
        foreach (var dom in conn.ListAllDomains())
        {
            using (dom)
            {
                if (!dom.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    continue;
                if (dom.IsActive)
                    dom.Destroy();
                dom.Undefine(DomainUndefineFlags.ManagedSave);
            }
        }
        foreach (var pool in conn.ListAllStoragePools())
        {
            using (pool)
            {
                if (pool.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    RemovePool(pool);
            }
        }
    }

    private static void RemovePool(StoragePool pool)
    {
        if (!pool.IsActive)
            pool.Create();
        pool.Refresh();
        // Overlays first: a base is only removed by hand here, libvirt does not care about the order.
        foreach (var vol in pool.ListAllVolumes())
        {
            using (vol)
                vol.Delete();
        }
        pool.Destroy();
        pool.Delete();
        pool.Undefine();
    }

    private List<string> VolumeNames()
    {
        using var conn = Connection.Open(Uri);
        using var pool = conn.LookupStoragePoolByName(_pool)!;
        pool.Refresh();
        var vols = pool.ListAllVolumes();
        var names = vols.Select(v => v.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var v in vols)
            v.Dispose();
        return names;
    }

    [Fact]
    public async Task CreateOverlayAsync_TwoMachinesOneImage_OneBaseUploadedAndSharedThenCollected()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_work, "small.qcow2"), virtualMiB: 64, dataMiB: 4);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        var path1 = await _disks.CreateOverlayAsync(_hostId, first, image, MachineDisks.CapacityBytes(image, 1), CancellationToken.None);
        var path2 = await _disks.CreateOverlayAsync(_hostId, second, image, MachineDisks.CapacityBytes(image, null), CancellationToken.None);

        string basePath = $"/var/lib/{_pool}/{MachineDisks.BaseVolumeName(image)}";
        Assert.Equal(3, VolumeNames().Count);
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

        Assert.True(await _disks.RemoveOverlayAsync(_hostId, first, CancellationToken.None));
        Assert.Contains(MachineDisks.BaseVolumeName(image), VolumeNames());
        Assert.True(await _disks.RemoveOverlayAsync(_hostId, second, CancellationToken.None));
        Assert.Empty(VolumeNames());
        Assert.False(await _disks.RemoveOverlayAsync(_hostId, second, CancellationToken.None));
    }

    [Fact]
    public async Task CreateOverlayAsync_DamagedBaseOnHost_ReplacedByVerifiedUpload()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_work, "img.qcow2"), virtualMiB: 32, dataMiB: 1);
        var machine = Guid.NewGuid();
        await _disks.CreateOverlayAsync(_hostId, machine, image, image.VirtualSizeBytes, CancellationToken.None);
        await _disks.RemoveOverlayAsync(_hostId, machine, CancellationToken.None);

        // A base of the right name but wrong bytes, as an upload cut short by a crash would leave, seen by a fresh portal.
        string basePath = $"/var/lib/{_pool}/{MachineDisks.BaseVolumeName(image)}";
        await File.WriteAllBytesAsync(basePath, new byte[image.SizeBytes]);
        var fresh = new MachineDisks(_connections,
            Options.Create(new StorageOptions { PortalPoolName = _pool, PortalPoolPath = "/var/lib/" + _pool }), NullLogger<MachineDisks>.Instance);
        using (var conn = Connection.Open(Uri))
        using (var pool = conn.LookupStoragePoolByName(_pool)!)
            pool.Refresh();

        await fresh.CreateOverlayAsync(_hostId, machine, image, image.VirtualSizeBytes, CancellationToken.None);

        Assert.Equal(await File.ReadAllBytesAsync(image.BlobPath), await File.ReadAllBytesAsync(basePath));
        await fresh.RemoveOverlayAsync(_hostId, machine, CancellationToken.None);
    }

    [Fact]
    public async Task Domain_WithOverlayRootDisk_Starts()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_work, "boot.qcow2"), virtualMiB: 32, dataMiB: 1);
        var machine = new Machine
        {
            Id = Guid.NewGuid(), Name = _pool, Vcpus = 1, MemoryMiB = 64, DomainUuid = Guid.NewGuid(),
            TenantId = Guid.NewGuid(), OwnerId = Guid.NewGuid(),
        };
        var path = await _disks.CreateOverlayAsync(_hostId, machine.DomainUuid, image, image.VirtualSizeBytes, CancellationToken.None);
        var domainType = _connections.GetStatus(_hostId).Virtualization ?? VirtualizationProbe.Tcg;
        var xml = DomainXmlBuilder.Build(new DomainSpec(machine, domainType,
            new PortalMetadata(Guid.NewGuid(), machine.Id, machine.TenantId, machine.OwnerId), new MachineDisk(path)));
        _domains.Add(machine.DomainUuid);

        await _connections.RunAsync(_hostId, conn =>
        {
            using var dom = conn.DefineDomainXml(xml);
            dom.Create();
        }, CancellationToken.None);

        var running = await _connections.RunAsync(_hostId, conn =>
        {
            using var dom = conn.LookupDomainByUuid(machine.DomainUuid)!;
            return dom.IsActive && dom.GetXmlDescription().Contains(path, StringComparison.Ordinal);
        }, CancellationToken.None);
        Assert.True(running);
        var info = await QemuImg.RunAsync("qemu-img", "info", "-U", path);
        Assert.Contains($"backing file: /var/lib/{_pool}/{MachineDisks.BaseVolumeName(image)}", info, StringComparison.Ordinal);
    }
}
