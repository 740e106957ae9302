using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Storage;
using LibvirtSharp;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>Leftover machine disks collected from a host's pool on the real qemu:///system (cpv- prefix).</summary>
[Trait("Category", "RealHost")]
public sealed class LeftoverDiskRealHostTests : IAsyncLifetime
{
    private RealHostPool _host = null!;

    public async Task InitializeAsync() => _host = await RealHostPool.StartAsync("cpv-core-");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CollectOrphansAsync_OverlayOfNoMachineHere_RemovedWithItsBaseOnlyWhenUnused()
    {
        var image = await QemuImg.CreateQcow2Async(Path.Combine(_host.WorkDirectory, "small.qcow2"), virtualMiB: 64, dataMiB: 1);
        var kept = Guid.NewGuid();
        var orphan = Guid.NewGuid();
        var disks = _host.Disks(TimeSpan.Zero);
        await disks.CreateOverlayAsync(_host.HostId, kept, image, MachineDisks.CapacityBytes(image, null), CancellationToken.None);
        await disks.CreateOverlayAsync(_host.HostId, orphan, image, MachineDisks.CapacityBytes(image, null), CancellationToken.None);
        var baseName = MachineDisks.BaseVolumeName(image);

        // Fresh disks are left alone: a create in flight makes its overlay before its domain.
        Assert.Empty(await _host.Disks(TimeSpan.FromMinutes(10)).CollectOrphansAsync(_host.HostId, (_, _) => Task.FromResult(false), _ => false, CancellationToken.None));
        Assert.Equal(3, _host.VolumeNames().Count);

        var removed = await disks.CollectOrphansAsync(_host.HostId, (uuid, _) => Task.FromResult(uuid == kept), _ => false, CancellationToken.None);
        Assert.Equal([MachineDisks.OverlayName(orphan)], removed);
        Assert.Equal(new[] { baseName, MachineDisks.OverlayName(kept) }.Order(StringComparer.Ordinal), _host.VolumeNames());

        removed = await disks.CollectOrphansAsync(_host.HostId, (_, _) => Task.FromResult(false), _ => false, CancellationToken.None);
        Assert.Equal(new[] { MachineDisks.OverlayName(kept), baseName }, removed);
        Assert.Empty(_host.VolumeNames());
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
