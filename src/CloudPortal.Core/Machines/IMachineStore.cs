using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Quotas;

namespace CloudPortal.Core.Machines;

public interface IMachineStore
{
    /// <summary>Adds the machine and the operation that creates it in one transaction; a duplicate name is a <see cref="ConflictException"/>.</summary>
    Task InsertWithOperationAsync(Machine machine, Operation operation, CancellationToken ct);
    /// <summary>The same, reserving the quota (keyed by the operation id) in that transaction; over quota is a <see cref="QuotaExceededException"/>.</summary>
    Task InsertWithOperationAsync(Machine machine, Operation operation, QuotaAmounts? reservation, MachineSize? size, CancellationToken ct);
    Task<Machine?> GetAsync(Guid id, CancellationToken ct);
    Task<Machine?> GetByDomainUuidAsync(Guid domainUuid, CancellationToken ct);
    Task<Page<Machine>> ListAsync(Guid? tenantId, PageRequest page, CancellationToken ct);
    Task<IReadOnlyList<Machine>> ListByHostAsync(Guid hostId, CancellationToken ct);
    Task<int> CountRunningByHostAsync(Guid hostId, CancellationToken ct);
    /// <summary>What every tenant holds on every host (vCPUs and memory of all its machines there), in one query.</summary>
    Task<IReadOnlyList<HostAllocation>> ListAllocationsAsync(CancellationToken ct);
    /// <summary>Moves a provisioning machine's record to another host (its placement was re-run); false when it is gone.</summary>
    Task<bool> UpdateHostAsync(Guid id, Guid hostId, CancellationToken ct);
    /// <summary>Sets the state; returns false when the machine no longer exists.</summary>
    Task<bool> UpdateStateAsync(Guid id, MachineState state, string? lastError, CancellationToken ct);
    /// <summary>The same, also dropping a reservation in that transaction (a start action's commit).</summary>
    Task<bool> UpdateStateAsync(Guid id, MachineState state, string? lastError, Guid? releaseReservationId, CancellationToken ct);
    /// <summary>
    /// Sets the state only if the machine is still in <paramref name="expected"/> (compare and set), so that an observation
    /// older than a change made meanwhile cannot overwrite it. False when the state had moved or the machine is gone.
    /// </summary>
    Task<bool> UpdateStateIfAsync(Guid id, MachineState expected, MachineState state, string? lastError, CancellationToken ct);
    /// <summary>Moves the machine into a transitional state only if it is not already in one, so two operations never overlap.</summary>
    Task<bool> TryBeginAsync(Guid id, MachineState transitional, Operation operation, CancellationToken ct);
    Task DeleteAsync(Guid id, CancellationToken ct);
    /// <summary>Renames if the machine still has <paramref name="from"/>; a name taken in the tenant is a <see cref="ConflictException"/>.</summary>
    Task<bool> RenameAsync(Guid id, string from, string to, CancellationToken ct);
    /// <summary>Records the image the machine's disk was (re)made from; false when the machine is gone.</summary>
    Task<bool> SetImageAsync(Guid id, Guid? imageId, CancellationToken ct);
    /// <summary>
    /// Sets a new size if the machine is still in <paramref name="state"/> with the old size, moving its quota charge in the
    /// same transaction; with <paramref name="checkQuota"/> the growth and the per-machine caps are checked first
    /// (<see cref="QuotaExceededException"/>). False when the machine changed meanwhile.
    /// </summary>
    Task<bool> ResizeAsync(Guid id, MachineState state, int fromVcpus, int fromMemoryMiB, int toVcpus, int toMemoryMiB, bool checkQuota, CancellationToken ct);
    /// <summary>
    /// Records a new root disk size if the machine still has <paramref name="fromGiB"/>, moving its disk charge in the same
    /// transaction; with <paramref name="checkQuota"/> the growth and the per-machine disk cap are checked first
    /// (<see cref="QuotaExceededException"/>). False when the machine is gone or its disk changed meanwhile.
    /// </summary>
    Task<bool> ResizeDiskAsync(Guid id, int fromGiB, int toGiB, bool checkQuota, CancellationToken ct);
}

/// <summary>One tenant's share of one host: the sums over its machines there, whatever their state.</summary>
public sealed record HostAllocation
{
    public Guid HostId { get; init; }
    public Guid TenantId { get; init; }
    public long Vcpus { get; init; }
    public long MemoryMiB { get; init; }
    /// <summary>How many of those machines are running.</summary>
    public long Running { get; init; }
}
