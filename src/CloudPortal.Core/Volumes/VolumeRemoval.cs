using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Storage;
using LibvirtSharp;

namespace CloudPortal.Core.Volumes;

/// <summary>Removing volumes: the file first, then the row and its charge, so a failure never leaves a file nobody pays for.</summary>
public sealed class VolumeRemoval(IVolumeStore volumes, MachineDisks disks) : IMachineVolumes
{
    /// <summary>Removes a volume already moved to deleting; a host that cannot be reached puts it back to available.</summary>
    public async Task RemoveAsync(Volume volume, CancellationToken ct)
    {
        try
        {
            await disks.DeleteVolumeAsync(volume.HostId, volume.VolumeName, ct);
        }
        catch (Exception ex) when (ex is LibvirtException or HostUnavailableException)
        {
            await volumes.TransitionAsync(volume.Id, VolumeStates.Deleting, VolumeStates.Available, null, null, CancellationToken.None);
            throw ex is LibvirtException lex ? new ConflictException($"Deleting volume '{volume.Name}' failed on the host: {lex.LibvirtMessage}") : ex;
        }
        await volumes.DeleteAsync(volume.Id, ct);
    }

    /// <summary>A deleted machine's volumes: kept (available again: the domain that held them is gone) or removed with it.</summary>
    public async Task<int> ReleaseAsync(Machine machine, bool keep, CancellationToken ct)
    {
        int count = 0;
        foreach (var volume in await volumes.ListByMachineAsync(machine.Id, ct))
        {
            count++;
            if (keep)
                await volumes.TransitionAsync(volume.Id, volume.State, VolumeStates.Available, null, null, ct);
            else if (await volumes.TransitionAsync(volume.Id, volume.State, VolumeStates.Deleting, null, null, ct))
                await RemoveAsync(volume with { State = VolumeStates.Deleting }, ct);
        }
        return count;
    }
}
