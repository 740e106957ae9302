namespace CloudPortal.Core.Hosts;

/// <summary>A libvirt host registered with the portal.</summary>
public sealed record Host
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public required string Uri { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public interface IHostStore
{
    Task<IReadOnlyList<Host>> ListAsync(CancellationToken ct);
    Task<Host?> GetAsync(Guid id, CancellationToken ct);
    /// <summary>Adds a host; a name or URI already known is a <see cref="Common.ConflictException"/>.</summary>
    Task InsertAsync(Host host, CancellationToken ct);
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
