using CloudPortal.Core.Common;
using LibvirtSharp;

namespace CloudPortal.Core.Machines;

public enum MachineAction { Start, Shutdown, Poweroff, Reboot, Pause, Resume, Suspend }

/// <summary>Which action is allowed from which state, and what it asks of libvirt.</summary>
public static class MachineActions
{
    /// <summary>
    /// One action by name. Only letters are accepted: Enum.TryParse would also take numbers and comma lists, which
    /// it ORs together ("poweroff,shutdown" would become reboot).
    /// </summary>
    public static bool TryParse(string? text, out MachineAction action)
    {
        action = default;
        return !string.IsNullOrEmpty(text) && text.All(char.IsAsciiLetter)
            && Enum.TryParse(text, ignoreCase: true, out action) && Enum.IsDefined(action);
    }

    public static IReadOnlyList<MachineState> AllowedFrom(MachineAction action) => action switch
    {
        MachineAction.Start => [MachineState.Stopped, MachineState.Suspended],
        MachineAction.Shutdown or MachineAction.Reboot => [MachineState.Running],
        MachineAction.Poweroff => [MachineState.Running, MachineState.Paused, MachineState.Failed],
        MachineAction.Pause => [MachineState.Running],
        MachineAction.Resume => [MachineState.Paused],
        MachineAction.Suspend => [MachineState.Running, MachineState.Paused],
        _ => [],
    };

    public static bool IsAllowed(MachineAction action, MachineState state) => AllowedFrom(action).Contains(state);

    public static IEnumerable<MachineAction> AllowedIn(MachineState state) =>
        Enum.GetValues<MachineAction>().Where(a => IsAllowed(a, state));

    public static bool MayDelete(MachineState state) => state is not (MachineState.Provisioning or MachineState.Deleting or MachineState.Migrating);

    public static void EnsureAllowed(MachineAction action, Machine machine)
    {
        if (!IsAllowed(action, machine.State))
            throw new ConflictException(
                $"Cannot {action.ToString().ToLowerInvariant()} machine '{machine.Name}': it is {machine.State.ToContractName()}" +
                $" (allowed when {string.Join(" or ", AllowedFrom(action).Select(s => s.ToContractName()))}).");
    }

    /// <summary>The libvirt call behind each action; start restores a managed-save image by itself.</summary>
    public static void Apply(MachineAction action, Domain domain)
    {
        switch (action)
        {
            case MachineAction.Start: domain.Create(); break;
            case MachineAction.Shutdown: domain.Shutdown(); break;
            case MachineAction.Poweroff: domain.Destroy(); break;
            case MachineAction.Reboot: domain.Reboot(); break;
            case MachineAction.Pause: domain.Suspend(); break;
            case MachineAction.Resume: domain.Resume(); break;
            case MachineAction.Suspend: domain.ManagedSave(); break;
            default: throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }
    }
}
