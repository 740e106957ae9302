using CloudPortal.Core.Common;
using LibvirtSharp;

namespace CloudPortal.Core.Machines;

/// <summary>
/// What a tenant can do to a machine. Shutdown is graceful: the guest is asked (ACPI) and powered off at a deadline,
/// under the transitional state stopping; reset is the reset button (no guest cooperation).
/// </summary>
public enum MachineAction { Start, Shutdown, Poweroff, Reboot, Pause, Resume, Suspend, Reset }

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
        // From stopping too: a user who will not wait for the guest's shutdown forces it now.
        MachineAction.Poweroff => [MachineState.Running, MachineState.Paused, MachineState.Failed, MachineState.Stopping],
        MachineAction.Pause => [MachineState.Running],
        MachineAction.Resume => [MachineState.Paused],
        MachineAction.Suspend => [MachineState.Running, MachineState.Paused],
        MachineAction.Reset => [MachineState.Running],
        _ => [],
    };

    /// <summary>
    /// Renaming: while stopped the libvirt domain is renamed too (virDomainRename needs an inactive domain); while
    /// running only the portal's name changes and the domain keeps its old name until a rename while stopped.
    /// </summary>
    public static readonly IReadOnlyList<MachineState> RenameAllowedFrom = [MachineState.Running, MachineState.Stopped];

    /// <summary>Resizing redefines the domain with new vCPUs and memory, which only a stopped (not saved) domain takes whole.</summary>
    public static readonly IReadOnlyList<MachineState> ResizeAllowedFrom = [MachineState.Stopped];

    /// <summary>409 naming the machine's state and the states the change is allowed from.</summary>
    public static void EnsureAllowed(string verb, IReadOnlyList<MachineState> allowed, Machine machine)
    {
        if (!allowed.Contains(machine.State))
            throw new ConflictException(
                $"Cannot {verb} machine '{machine.Name}': it is {machine.State.ToContractName()}" +
                $" (allowed when {string.Join(" or ", allowed.Select(s => s.ToContractName()))}).");
    }

    public static bool IsAllowed(MachineAction action, MachineState state) => AllowedFrom(action).Contains(state);

    public static IEnumerable<MachineAction> AllowedIn(MachineState state) =>
        Enum.GetValues<MachineAction>().Where(a => IsAllowed(a, state));

    public static bool MayDelete(MachineState state) => !state.IsTransitional();

    public static void EnsureAllowed(MachineAction action, Machine machine) =>
        EnsureAllowed(action.ToString().ToLowerInvariant(), AllowedFrom(action), machine);

    /// <summary>The libvirt call behind each action; start restores a managed-save image by itself.</summary>
    public static void Apply(MachineAction action, Domain domain)
    {
        switch (action)
        {
            case MachineAction.Start:
                // A clone from a snapshot that could not put its source back left it at that snapshot: put it back
                // before the guest writes to the disk, or the restore would undo what the guest wrote.
                Storage.SnapshotCopy.RestoreInterrupted(domain);
                domain.Create();
                break;
            case MachineAction.Shutdown: domain.Shutdown(); break;
            case MachineAction.Poweroff: domain.Destroy(); break;
            case MachineAction.Reboot: domain.Reboot(); break;
            case MachineAction.Pause: domain.Suspend(); break;
            case MachineAction.Resume: domain.Resume(); break;
            case MachineAction.Suspend: domain.ManagedSave(); break;
            case MachineAction.Reset: domain.Reset(); break;
            default: throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }
    }
}
