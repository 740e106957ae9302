using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Storage;
using LibvirtSharp;

namespace CloudPortal.Core.Machines;

/// <summary>
/// Growing a machine's root disk (it never shrinks: the guest's filesystem would be cut). A running guest sees the new
/// size at once (QEMU grows the device); a stopped one's disk file is grown. The tenant's per-machine disk cap applies,
/// and the growth counts against its aggregate disk quota: charged before the host grows the disk, given back if it refuses.
/// </summary>
public sealed partial class MachineService
{
    public static readonly IReadOnlyList<MachineState> GrowDiskAllowedFrom = [MachineState.Running, MachineState.Paused, MachineState.Stopped];

    /// <summary>The root disk's size in GiB (rounded up), or null for a diskless machine.</summary>
    public async Task<int?> RootDiskGiBAsync(Caller caller, Guid machineId, CancellationToken ct)
    {
        var machine = await GetAsync(caller, machineId, ct);
        if (disks is null || machine.ImageId is null)
            return null;
        var bytes = await connections.RunAsync(machine.HostId, connection =>
        {
            using var pool = disks.EnsurePortalPool(connection);
            using var overlay = pool.LookupVolumeByName(MachineDisks.OverlayName(machine.DomainUuid));
            return overlay is null ? (long?)null : (long)overlay.GetInfo().CapacityBytes;
        }, ct);
        return bytes is { } b ? (int)Quotas.QuotaAmounts.GiBOf(b) : null;
    }

    public async Task<Machine> GrowDiskAsync(Caller caller, Guid machineId, int? sizeGiB, CancellationToken ct)
    {
        var machine = await GetAsync(caller, machineId, ct);
        return await audit.RunAsync(caller, "machine.grow-disk", AuditTarget, machine.Id.ToString(), machine.Name, async () =>
        {
            EnsureMayChange(caller);
            if (sizeGiB is null)
                throw ValidationFailedException.For("sizeGiB", "sizeGiB is required.");
            var current = await RootDiskGiBAsync(caller, machineId, ct)
                ?? throw new ConflictException($"Machine '{machine.Name}' has no disk to grow (it was created without an image).");
            if (sizeGiB <= current || sizeGiB > MachineRequestRules.MaxDiskGiB)
                throw ValidationFailedException.For("sizeGiB", $"sizeGiB must be more than the disk's {current} GiB and at most {MachineRequestRules.MaxDiskGiB} (disks only grow).");
            using var claim = _claims.Claim(machine.Id, machine.Name, "grow the disk of");
            var now = await GetAsync(caller, machineId, ct);
            MachineActions.EnsureAllowed("grow the disk of", GrowDiskAllowedFrom, now);
            var bytes = (ulong)sizeGiB.Value << 30;
            // The growth is the new size less what is charged: the ledger then holds exactly the size the disk gets.
            if (!await machines.ResizeDiskAsync(now.Id, now.DiskGiB, sizeGiB.Value, checkQuota: true, ct))
                throw new ConflictException($"Machine '{now.Name}' changed meanwhile; read it again.");
            try
            {
                await connections.RunAsync(now.HostId, connection =>
                {
                    using var domain = connection.LookupDomainByUuid(now.DomainUuid)
                        ?? throw new ConflictException($"Machine '{now.Name}' has no domain on its host.");
                    if (domain.IsActive)
                    {
                        domain.BlockResize("vda", bytes);
                        return;
                    }
                    using var pool = disks!.EnsurePortalPool(connection);
                    using var overlay = pool.LookupVolumeByName(MachineDisks.OverlayName(now.DomainUuid))
                        ?? throw new ConflictException($"Machine '{now.Name}' lost its disk.");
                    overlay.Resize(bytes);
                }, ct);
            }
            catch (Exception ex)
            {
                await machines.ResizeDiskAsync(now.Id, sizeGiB.Value, now.DiskGiB, checkQuota: false, CancellationToken.None);
                if (ex is LibvirtException lex)
                    throw new ConflictException($"Growing the disk of '{now.Name}' failed on the host: {lex.LibvirtMessage}");
                throw;
            }
            return now with { DiskGiB = sizeGiB.Value };
        }, m => $"root disk to {sizeGiB} GiB", ct);
    }
}
