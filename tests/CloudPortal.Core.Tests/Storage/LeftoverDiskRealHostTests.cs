using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Storage;
using LibvirtSharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>Leftover machine disks collected from a host's pool on the real qemu:///system (cpv- prefix).</summary>
[Trait("Category", "RealHost")]
public sealed class LeftoverDiskRealHostTests : IAsyncLifetime
{
    private const string Uri = "qemu:///system";
    private const string Prefix = "cpv-core-";
    private readonly string _pool = Prefix + Guid.NewGuid().ToString("N")[..8];
    private readonly string _work = Path.Combine(Path.GetTempPath(), Prefix + Guid.NewGuid().ToString("N")[..8]);
    private readonly Guid _hostId = Guid.NewGuid();
    private HostConnections _connections = null!;

    public async Task InitializeAsync()
    {
        using (var conn = Connection.Open(Uri))
        {
            foreach (var pool in conn.ListAllStoragePools())
            {
                using (pool)
                {
                    if (pool.Name.StartsWith(Prefix, StringComparison.Ordinal))
                        RemovePool(pool);
                }
            }
        }
        Directory.CreateDirectory(_work);
        _connections = new HostConnections(new VirtualizationProbe(NullLogger<VirtualizationProbe>.Instance), NullLogger<HostConnections>.Instance);
        _connections.Start(new Host { Id = _hostId, Name = "local", Uri = Uri });
        Assert.True(await _connections.WaitConnectedAsync(_hostId, TimeSpan.FromSeconds(60), CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await _connections.DisposeAsync();
        using var conn = Connection.Open(Uri);
        using (var pool = conn.LookupStoragePoolByName(_pool))
            if (pool is not null)
                RemovePool(pool);
        Directory.Delete(_work, recursive: true);
    }

    private static void RemovePool(StoragePool pool)
    {
        if (!pool.IsActive)
            pool.Create();
        pool.Refresh();
        foreach (var vol in pool.ListAllVolumes())
        {
            using (vol)
                vol.Delete();
        }
        pool.Destroy();
        pool.Delete();
        pool.Undefine();
    }

    private MachineDisks Disks(TimeSpan minimumAge) => new(_connections,
        Options.Create(new StorageOptions { PortalPoolName = _pool, PortalPoolPath = "/var/lib/" + _pool, LeftoverDiskMinimumAge = minimumAge }),
        NullLogger<MachineDisks>.Instance);

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
    public async Task CollectOrphansAsync_OverlayOfNoMachineHere_RemovedWithItsBaseOnlyWhenUnused()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_work, "small.qcow2"), virtualMiB: 64, dataMiB: 1);
        var kept = Guid.NewGuid();
        var orphan = Guid.NewGuid();
        var disks = Disks(TimeSpan.Zero);
        await disks.CreateOverlayAsync(_hostId, kept, image, MachineDisks.CapacityBytes(image, null), CancellationToken.None);
        await disks.CreateOverlayAsync(_hostId, orphan, image, MachineDisks.CapacityBytes(image, null), CancellationToken.None);
        var baseName = MachineDisks.BaseVolumeName(image);

        // Fresh disks are left alone: a create in flight makes its overlay before its domain.
        Assert.Empty(await Disks(TimeSpan.FromMinutes(10)).CollectOrphansAsync(_hostId, (_, _) => Task.FromResult(false), CancellationToken.None));
        Assert.Equal(3, VolumeNames().Count);

        var removed = await disks.CollectOrphansAsync(_hostId, (uuid, _) => Task.FromResult(uuid == kept), CancellationToken.None);
        Assert.Equal([MachineDisks.OverlayName(orphan)], removed);
        Assert.Equal(new[] { baseName, MachineDisks.OverlayName(kept) }.Order(StringComparer.Ordinal), VolumeNames());

        removed = await disks.CollectOrphansAsync(_hostId, (_, _) => Task.FromResult(false), CancellationToken.None);
        Assert.Equal(new[] { MachineDisks.OverlayName(kept), baseName }, removed);
        Assert.Empty(VolumeNames());
    }

    [Theory]
    [InlineData("0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.qcow2", true)]
    [InlineData("seed-0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.iso", true)]
    [InlineData("base-0b6f1c1e5a3e4a439d558c8f7f0e2a11.qcow2", false)]
    [InlineData("vol-0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.qcow2", false)]
    [InlineData("capture-0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.qcow2", false)]
    public void DomainOfDisk_VolumeName_OnlyOverlaysAndSeedsBelongToADomain(string name, bool machineDisk)
    {
        Assert.Equal(machineDisk, MachineDisks.DomainOfDisk(name) is not null);
    }
}
