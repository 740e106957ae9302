using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Monitoring;

/// <summary>A machine as the dashboards list it.</summary>
public sealed record MachineSummary(Guid Id, string Name, Guid TenantId, Guid HostId, MachineState State, int Vcpus, int MemoryMiB);

/// <summary>The counts and lists the fleet and tenant dashboards need, in one query each.</summary>
public interface IFleetStore
{
    /// <summary>Machines per state, of one tenant or (null) of the whole cloud.</summary>
    Task<IReadOnlyDictionary<MachineState, int>> CountByStateAsync(Guid? tenantId, CancellationToken ct);

    /// <summary>The tenant's machines, by name.</summary>
    Task<IReadOnlyList<MachineSummary>> ListMachinesAsync(Guid tenantId, CancellationToken ct);
}
