using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Volumes;

/// <summary>
/// A volume was created, attached, detached, grown or (with <see cref="Removed"/>) deleted. <see cref="MachineId"/> is
/// the machine it is attached to after the change, <see cref="PreviousMachineId"/> the one it left, so a machine's
/// page can tell whether the change concerns it.
/// </summary>
public sealed record VolumeChange(Guid VolumeId, Guid TenantId, Guid? MachineId, Guid? PreviousMachineId, string State, bool Removed)
{
    public bool Concerns(Guid machineId) => MachineId == machineId || PreviousMachineId == machineId;
}

/// <summary>The in-process bus between volume operations and the pages that show volumes live.</summary>
public sealed class VolumeEvents(ILogger<VolumeEvents> log)
{
    public event Action<VolumeChange>? Changed;

    public void Publish(VolumeChange change)
    {
        foreach (var handler in Changed?.GetInvocationList().Cast<Action<VolumeChange>>() ?? [])
        {
            try
            {
                handler(change);
            }
            catch (Exception ex)
            {
                // One broken subscriber (a closed browser circuit, say) must not stop the others from hearing.
                log.LogWarning(ex, "A volume change subscriber failed");
            }
        }
    }

    public void Publish(Volume volume, Guid? previousMachineId = null, bool removed = false) =>
        Publish(new VolumeChange(volume.Id, volume.TenantId, volume.MachineId, previousMachineId, volume.State, removed));
}
