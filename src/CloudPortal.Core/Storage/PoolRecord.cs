namespace CloudPortal.Core.Storage;

/// <summary>A pool the portal defined on a host, as recorded when it was defined.</summary>
public sealed record PoolRecord
{
    public Guid Id { get; init; }
    public Guid HostId { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? TargetPath { get; init; }
    public string? SourceDevice { get; init; }
    public string? SourceHost { get; init; }
    public string? SourcePath { get; init; }
    public string? SourceName { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public interface IPoolStore
{
    Task InsertAsync(PoolRecord pool, CancellationToken ct);
    Task<IReadOnlyList<PoolRecord>> ListAsync(CancellationToken ct);
    Task DeleteAsync(Guid hostId, string name, CancellationToken ct);
}

/// <summary>One pool as the pools page and API show it: live figures from libvirt, or <c>missing</c>.</summary>
public sealed record PoolView(
    Guid HostId,
    string Name,
    string? Type,
    string State,
    string? TargetPath,
    long CapacityBytes,
    long AllocationBytes,
    long AvailableBytes,
    bool Autostart,
    bool PortalManaged,
    bool NearlyFull)
{
    public string Id => $"{HostId:D}:{Name}";

    public double UsedRatio => CapacityBytes > 0 ? (double)AllocationBytes / CapacityBytes : 0;
}

/// <summary>A volume in a pool, for the disks list.</summary>
public sealed record VolumeView(string Name, string Path, string? Format, long CapacityBytes, long AllocationBytes, string? BackingPath);

public enum PoolAction { Start, Stop, Refresh }
