using LibvirtSharp;

namespace CloudPortal.Core.Machines;

/// <summary>Translates what libvirt says about a domain into the portal's machine state.</summary>
public static class MachineStateMapper
{
    public static MachineState FromLibvirt(DomainState state, bool hasManagedSaveImage) => state switch
    {
        DomainState.Running or DomainState.Blocked or DomainState.Shutdown => MachineState.Running,
        DomainState.Paused => MachineState.Paused,
        // A managed save keeps the memory on disk: the course's "suspended", resumed by a start.
        DomainState.Shutoff when hasManagedSaveImage => MachineState.Suspended,
        DomainState.Shutoff => MachineState.Stopped,
        DomainState.PMSuspended => MachineState.Suspended,
        _ => MachineState.Failed,
    };
}
