using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Machines;

/// <summary>A machine changed (or, with <see cref="Removed"/>, is gone); pushed to pages and hubs that look at it.</summary>
public sealed record MachineChange(Guid MachineId, Guid TenantId, MachineState State, bool Removed);

/// <summary>The in-process bus between the reconciler/operations and whatever shows machines live.</summary>
public sealed class MachineEvents(ILogger<MachineEvents> log)
{
    public event Action<MachineChange>? Changed;

    public void Publish(MachineChange change)
    {
        foreach (var handler in Changed?.GetInvocationList().Cast<Action<MachineChange>>() ?? [])
        {
            try
            {
                handler(change);
            }
            catch (Exception ex)
            {
                // One broken subscriber (a closed browser circuit, say) must not stop the others from hearing.
                log.LogWarning(ex, "A machine change subscriber failed");
            }
        }
    }

    public void Publish(Machine machine, bool removed = false) =>
        Publish(new MachineChange(machine.Id, machine.TenantId, machine.State, removed));
}
