using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Placement;
using CloudPortal.Core.Storage;
using CloudPortal.Core.Tests.Integration;
using CloudPortal.Data.Stores;
using LibvirtSharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>Machines created from an image on the real qemu:///system: their root disk is an overlay on a shared base.</summary>
[Trait("Category", "RealHost")]
public sealed class CopyOnWriteMachineTests : IAsyncLifetime
{
    private const string Uri = "qemu:///system";
    private readonly string _pool = "cps-cow-" + Guid.NewGuid().ToString("N")[..8];
    private readonly PortalHarness _harness = new();
    private readonly FileImageContentSource _images = new();
    private MachineService _service = null!;
    private MachineDisks _disks = null!;

    public async Task InitializeAsync()
    {
        await _harness.AddHostAsync(Uri);
        _disks = new MachineDisks(_harness.Connections,
            Options.Create(new StorageOptions { PortalPoolName = _pool, PortalPoolPath = "/var/lib/" + _pool }), NullLogger<MachineDisks>.Instance);
        _service = new MachineService(_harness.Machines, _harness.Operations, _harness.Connections, _harness.Executor, _harness.Events,
            _harness.Installation, _harness.Audit, _harness.Quotas, _harness.Placement,
            new PolicyConflicts(_harness.Trust, _harness.Groups, _harness.Placement), NullLogger<MachineService>.Instance, _images, _disks);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        using var conn = Connection.Open(Uri);
        foreach (var pool in conn.ListAllStoragePools())
        {
            using (pool)
            {
                if (!pool.Name.StartsWith("cps-cow-", StringComparison.Ordinal))
                    continue;
                if (!pool.IsActive)
                    pool.Create();
                foreach (var vol in pool.ListAllVolumes())
                    using (vol)
                        vol.Delete();
                pool.Destroy();
                pool.Delete();
                pool.Undefine();
            }
        }
    }

    [Fact]
    public async Task CreateAsync_WithImage_RunsFromOverlayAndDeleteRemovesOverlayAndBase()
    {
        var caller = await _harness.AddCallerAsync(Roles.Member);
        var dir = System.IO.Directory.CreateTempSubdirectory("cps-cow-").FullName;
        try
        {
            var image = await QemuImg.CreateQcow2Async(Path.Combine(dir, "img.qcow2"), virtualMiB: 48, dataMiB: 2);
            _images.Add(caller.TenantId, image);

            var (machine, operation) = await _service.CreateAsync(caller,
                new MachineRequest(PortalHarness.UniqueName("cow-"), 1, 64, ImageId: image.ImageId.ToString(), DiskGiB: 1), CancellationToken.None);
            var done = await _harness.WaitFinishedAsync(operation.Id, TimeSpan.FromMinutes(3));
            Assert.True(done.State == OperationState.Succeeded, $"create failed: {done.Error}");

            string overlay = $"/var/lib/{_pool}/{MachineDisks.OverlayName(machine.DomainUuid)}";
            var (active, xml) = await _harness.Connections.RunAsync(machine.HostId, conn =>
            {
                using var dom = conn.LookupDomainByUuid(machine.DomainUuid)!;
                return (dom.IsActive, dom.GetXmlDescription());
            }, CancellationToken.None);
            Assert.True(active);
            Assert.Contains(overlay, xml, StringComparison.Ordinal);
            var info = await QemuImg.RunAsync("qemu-img", "info", "-U", overlay);
            Assert.Contains($"backing file: /var/lib/{_pool}/{MachineDisks.BaseVolumeName(image)}", info, StringComparison.Ordinal);
            Assert.Contains("virtual size: 1 GiB", info, StringComparison.Ordinal);
            var steps = await _harness.Operations.ListStepsAsync(operation.Id, CancellationToken.None);
            Assert.Contains(steps, s => s.Name == "disk" && s.State == "done");

            var deleting = await _service.DeleteAsync(caller, machine.Id, CancellationToken.None);
            Assert.Equal(OperationState.Succeeded, (await _harness.WaitFinishedAsync(deleting.Id, TimeSpan.FromMinutes(2))).State);
            Assert.False(File.Exists(overlay));
            Assert.False(File.Exists($"/var/lib/{_pool}/{MachineDisks.BaseVolumeName(image)}"));
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task CreateAsync_ImageOfAnotherTenantOrTooSmallDisk_RefusedWithFieldError()
    {
        var caller = await _harness.AddCallerAsync(Roles.Member);
        var dir = System.IO.Directory.CreateTempSubdirectory("cps-cow-").FullName;
        try
        {
            var image = await QemuImg.CreateQcow2Async(Path.Combine(dir, "big.qcow2"), virtualMiB: 2048, dataMiB: 0);
            _images.Add(Guid.NewGuid(), image);
            var hidden = await Assert.ThrowsAsync<ValidationFailedException>(() => _service.CreateAsync(caller,
                new MachineRequest(PortalHarness.UniqueName("cow-"), 1, 64, ImageId: image.ImageId.ToString()), CancellationToken.None));
            Assert.Contains("imageId", hidden.Errors.Keys);

            _images.Add(caller.TenantId, image);
            var small = await Assert.ThrowsAsync<ValidationFailedException>(() => _service.CreateAsync(caller,
                new MachineRequest(PortalHarness.UniqueName("cow-"), 1, 64, ImageId: image.ImageId.ToString(), DiskGiB: 1), CancellationToken.None));
            Assert.Contains("diskGiB", small.Errors.Keys);
            Assert.Empty((await _harness.Machines.ListAsync(caller.TenantId, PageRequest.Create(100, null), CancellationToken.None)).Items);
        }
        finally
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
    }
}
