namespace CloudPortal.Core.Hosts;

/// <summary>A libvirt host registered with the portal.</summary>
public sealed record Host
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public required string Uri { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>An administrator took the host out of service: it keeps its machines but gets no new ones.</summary>
    public bool Maintenance { get; init; }
    public double CpuOvercommit { get; init; } = Placement.HostCapacityDefaults.CpuOvercommit;
    public double MemoryOvercommit { get; init; } = Placement.HostCapacityDefaults.MemoryOvercommit;
    public long ReservedMemoryMiB { get; init; } = Placement.HostCapacityDefaults.ReservedMemoryMiB;
    /// <summary>Free-form tags placement can require ("ssd", "zone=a").</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    // Records compare lists by reference; two reads of the same row must be equal hosts.
    public bool Equals(Host? other) =>
        other is not null && Id == other.Id && Name == other.Name && Uri == other.Uri && CreatedAt == other.CreatedAt
        && Maintenance == other.Maintenance && CpuOvercommit.Equals(other.CpuOvercommit) && MemoryOvercommit.Equals(other.MemoryOvercommit)
        && ReservedMemoryMiB == other.ReservedMemoryMiB && Labels.SequenceEqual(other.Labels);

    public override int GetHashCode() => HashCode.Combine(Id, Name, Uri);
}

/// <summary>The capacity settings of a host, as a whole: what PATCH changes.</summary>
public sealed record HostCapacity(bool Maintenance, double CpuOvercommit, double MemoryOvercommit, long ReservedMemoryMiB, IReadOnlyList<string> Labels)
{
    public static HostCapacity Of(Host host) =>
        new(host.Maintenance, host.CpuOvercommit, host.MemoryOvercommit, host.ReservedMemoryMiB, host.Labels);
}

public interface IHostStore
{
    Task<IReadOnlyList<Host>> ListAsync(CancellationToken ct);
    Task<Host?> GetAsync(Guid id, CancellationToken ct);
    /// <summary>Adds a host; a name or URI already known is a <see cref="Common.ConflictException"/>.</summary>
    Task InsertAsync(Host host, CancellationToken ct);
    /// <summary>Replaces the host's capacity settings; false when the host does not exist.</summary>
    Task<bool> UpdateCapacityAsync(Guid id, HostCapacity capacity, CancellationToken ct);
}

public enum HostConnectionState { Connecting, Connected, Unreachable }

/// <summary>What the portal currently knows about a host's connection and hardware.</summary>
public sealed record HostStatus(
    Guid HostId,
    HostConnectionState State,
    string? Hypervisor,
    string? Virtualization,
    int Cpus,
    long MemoryMiB,
    string? Hostname,
    string? LastError,
    DateTimeOffset Since)
{
    public static HostStatus Connecting(Guid hostId) =>
        new(hostId, HostConnectionState.Connecting, null, null, 0, 0, null, null, Common.Clock.Now());
}
