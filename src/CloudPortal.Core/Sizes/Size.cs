using CloudPortal.Core.Common;

namespace CloudPortal.Core.Sizes;

/// <summary>A named machine size (a flavor): public when <see cref="TenantId"/> is null, else offered to that tenant only.</summary>
public sealed record Size
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public int Vcpus { get; init; }
    public int MemoryMiB { get; init; }
    /// <summary>0 for a diskless size.</summary>
    public int DiskGiB { get; init; }
    public Guid? TenantId { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What an administrator asks for when defining a size.</summary>
public sealed record SizeRequest(string? Name, int? Vcpus, int? MemoryMiB, int? DiskGiB, Guid? TenantId);

public interface ISizeStore
{
    /// <summary>A duplicate name in the same scope is a <see cref="ConflictException"/>; an unknown tenant a <see cref="NotFoundException"/>.</summary>
    Task InsertAsync(Size size, CancellationToken ct);
    Task<Size?> GetAsync(Guid id, CancellationToken ct);
    /// <summary>By name; <paramref name="tenantId"/> null lists every size (administrators), else the public ones and the tenant's.</summary>
    Task<Page<Size>> ListAsync(Guid? tenantId, PageRequest page, CancellationToken ct);
    Task<bool> DeleteAsync(Guid id, CancellationToken ct);
}
