namespace CloudPortal.Core.Machines;

/// <summary>A tenant's machine as the portal records it; libvirt remains the truth about whether it runs.</summary>
public sealed record Machine
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public Guid TenantId { get; init; }
    public Guid OwnerId { get; init; }
    public Guid HostId { get; init; }
    public MachineState State { get; init; }
    public int Vcpus { get; init; }
    public int MemoryMiB { get; init; }
    public Guid DomainUuid { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The placement group the machine joins at create (recorded with it, in the same transaction); not read back.</summary>
    public Guid? PlacementGroupId { get; init; }
    /// <summary>The image its root disk was made from (null: diskless); an image in use cannot be deleted.</summary>
    public Guid? ImageId { get; init; }
    /// <summary>The root disk's size in GiB, rounded up (0: diskless); it counts against the tenant's aggregate disk quota.</summary>
    public int DiskGiB { get; init; }
}

/// <summary>
/// The course notes' machine states (inactive = stopped, active = running, paused, suspended) plus the
/// portal's own transitional states, and <see cref="Missing"/> for a domain deleted behind the portal's back.
/// </summary>
public enum MachineState
{
    Provisioning,
    Running,
    Paused,
    Suspended,
    Stopped,
    Migrating,
    Failed,
    Deleting,
    Missing,
    /// <summary>A graceful shutdown is under way: the guest was asked to stop and is powered off at a deadline.</summary>
    Stopping,
}

public static class MachineStateNames
{
    /// <summary>The lower-case names of the public contract ("running", "stopped" ...).</summary>
    public static string ToContractName(this MachineState state) => state.ToString().ToLowerInvariant();

    public static bool IsTransitional(this MachineState state) =>
        state is MachineState.Provisioning or MachineState.Deleting or MachineState.Migrating or MachineState.Stopping;
}
