using CloudPortal.Core.Common;

namespace CloudPortal.Core.Machines;

/// <summary>A snapshot of a machine: its disk, and its memory when it was running (reverting then resumes it running).</summary>
public sealed record MachineSnapshot
{
    public Guid Id { get; init; }
    public Guid MachineId { get; init; }
    public Guid TenantId { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    /// <summary>The snapshot's name in libvirt: derived from its id, so no user text reaches libvirt as a name.</summary>
    public required string LibvirtName { get; init; }
    public bool HasMemory { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public interface ISnapshotStore
{
    /// <summary>Checks the snapshot quota and inserts with its charge; a name taken on the machine is a <see cref="ConflictException"/>.</summary>
    Task InsertAsync(MachineSnapshot snapshot, CancellationToken ct);
    Task<IReadOnlyList<MachineSnapshot>> ListAsync(Guid machineId, CancellationToken ct);
    Task<MachineSnapshot?> GetAsync(Guid machineId, Guid id, CancellationToken ct);
    /// <summary>Removes the row and its charge; false when it was already gone.</summary>
    Task<bool> DeleteAsync(Guid id, CancellationToken ct);
}
