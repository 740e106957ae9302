using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;
using CloudPortal.Core.Storage;
using LibvirtSharp;

namespace CloudPortal.Core.Machines;

/// <summary>
/// Rebuild: the machine keeps its id, name, size, NICs and seed, and gets a fresh disk from an image (its own by
/// default, or another). A running machine is powered off first and started again after. Its snapshots lived in
/// the old disk and go with it. A new disk bigger than the old one (an image of a larger virtual size) is charged to the
/// tenant's disk quota before anything is touched, so a rebuild that does not fit leaves the machine as it was.
/// </summary>
public sealed partial class MachineService
{
    public static readonly IReadOnlyList<MachineState> RebuildAllowedFrom = [MachineState.Running, MachineState.Paused, MachineState.Stopped, MachineState.Failed];

    public async Task<Machine> RebuildAsync(Caller caller, Guid machineId, Guid? imageId, CancellationToken ct)
    {
        var machine = await GetAsync(caller, machineId, ct);
        return await audit.RunAsync(caller, "machine.rebuild", AuditTarget, machine.Id.ToString(), machine.Name, async () =>
        {
            EnsureMayChange(caller);
            if (disks is null || images is null)
                throw new ConflictException("This portal has no image catalogue to rebuild from.");
            var wanted = imageId ?? machine.ImageId
                ?? throw new ConflictException($"Machine '{machine.Name}' has no disk to rebuild (it was created without an image).");
            var image = await images.FindForCallerAsync(caller, wanted, ct)
                ?? throw ValidationFailedException.For("imageId", $"Image {wanted} was not found.");
            if (image.MinMemoryMiB is { } minMemory && machine.MemoryMiB < minMemory)
                throw ValidationFailedException.For("imageId",
                    $"Image '{image.Name}' needs at least {minMemory} MiB of memory; machine '{machine.Name}' has {machine.MemoryMiB} MiB (resize it first).");
            using var claim = _claims.Claim(machine.Id, machine.Name, "rebuild");
            var current = await GetAsync(caller, machineId, ct);
            MachineActions.EnsureAllowed("rebuild", RebuildAllowedFrom, current);

            // Looked at first without changing anything: the quota decides before the machine is powered off.
            var capacity = await connections.RunAsync(current.HostId, connection =>
            {
                using var domain = connection.LookupDomainByUuid(current.DomainUuid)
                    ?? throw new ConflictException($"Machine '{current.Name}' has no domain on its host.");
                if (!DomainXmlBuilderDisks.HasWritableDisk(domain.GetXmlDescription(inactive: true)))
                    throw new ConflictException($"Machine '{current.Name}' has no disk to rebuild (it was created without an image).");
                using var pool = disks.EnsurePortalPool(connection);
                using var overlay = pool.LookupVolumeByName(MachineDisks.OverlayName(current.DomainUuid));
                return overlay is null ? 0L : (long)overlay.GetInfo().CapacityBytes;
            }, ct);
            // The new disk is at least as big as the old one: a machine grown to 20 GiB stays 20 GiB.
            var newCapacity = Math.Max(capacity, MachineDisks.CapacityBytes(image, null));
            var newGiB = (int)QuotaAmounts.GiBOf(newCapacity);
            if (newGiB != current.DiskGiB && !await machines.ResizeDiskAsync(current.Id, current.DiskGiB, newGiB, checkQuota: true, ct))
                throw new ConflictException($"Machine '{current.Name}' changed meanwhile; read it again.");
            bool wasRunning;
            try
            {
                wasRunning = await connections.RunAsync(current.HostId, connection =>
                {
                    using var domain = connection.LookupDomainByUuid(current.DomainUuid)
                        ?? throw new ConflictException($"Machine '{current.Name}' has no domain on its host.");
                    bool running = domain.IsActive;
                    if (running)
                        domain.Destroy();
                    // The snapshots were inside the old disk: only libvirt's records of them are left to remove.
                    foreach (var snapshot in domain.ListSnapshots())
                    {
                        using (snapshot)
                            snapshot.Delete(metadataOnly: true);
                    }
                    return running;
                }, ct);
                if (snapshots is not null)
                {
                    foreach (var snapshot in await snapshots.ListAsync(current.Id, ct))
                        await snapshots.DeleteAsync(snapshot.Id, ct);
                }
                // Same name and path as before, so the domain's definition does not change: the disk is replaced under it.
                await disks.CreateOverlayAsync(current.HostId, current.DomainUuid, image, newCapacity, ct);
            }
            catch when (newGiB != current.DiskGiB)
            {
                // No new disk: the charge goes back to what was recorded for the old one.
                await machines.ResizeDiskAsync(current.Id, newGiB, current.DiskGiB, checkQuota: false, CancellationToken.None);
                throw;
            }
            await machines.SetImageAsync(current.Id, image.ImageId, ct);
            var rebuilt = current with { ImageId = image.ImageId, DiskGiB = newGiB };
            if (!wasRunning)
                return await SetStateAsync(rebuilt, MachineState.Stopped, null, ct) ?? rebuilt;
            var observed = await connections.RunAsync(current.HostId, connection =>
            {
                using var domain = connection.LookupDomainByUuid(current.DomainUuid)
                    ?? throw new ConflictException($"Machine '{current.Name}' lost its domain during the rebuild.");
                domain.Create();
                return DomainObservation.Of(domain);
            }, ct);
            return await SetStateAsync(rebuilt, observed.State, null, ct) ?? rebuilt;
        }, m => $"from image {m.ImageId}, now {m.State.ToContractName()}", ct);
    }
}
