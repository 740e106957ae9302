namespace CloudPortal.Core.Tenancy;

public sealed record Tenant
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public bool Disabled { get; init; }
    /// <summary>shared, exclusive or dedicated: see <see cref="Placement.TenantIsolation"/>.</summary>
    public string Isolation { get; init; } = Placement.TenantIsolation.Shared;
    /// <summary>"pack" or "spread" when the tenant overrides the cloud's placement mode; null to follow it.</summary>
    public string? PlacementMode { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A user's role in one tenant.</summary>
public sealed record Membership
{
    public Guid UserId { get; init; }
    public required string Username { get; init; }
    public Guid TenantId { get; init; }
    public required string TenantName { get; init; }
    public required string Role { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public interface ITenantStore
{
    Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken ct);
    Task<Tenant?> GetAsync(Guid id, CancellationToken ct);
    /// <summary>A name already taken is a <see cref="Common.ConflictException"/>.</summary>
    Task InsertAsync(Tenant tenant, CancellationToken ct);
    Task RenameAsync(Guid id, string name, CancellationToken ct);
    Task SetDisabledAsync(Guid id, bool disabled, CancellationToken ct);
    /// <summary>Removes an empty tenant; a tenant that still owns machines is a <see cref="Common.ConflictException"/> that names them.</summary>
    Task DeleteAsync(Guid id, CancellationToken ct);
}

public interface IMembershipStore
{
    Task<IReadOnlyList<Membership>> ListByUserAsync(Guid userId, CancellationToken ct);
    Task<IReadOnlyList<Membership>> ListByTenantAsync(Guid tenantId, CancellationToken ct);
    Task<string?> GetRoleAsync(Guid userId, Guid tenantId, CancellationToken ct);
    Task SetAsync(Guid userId, Guid tenantId, string role, CancellationToken ct);
    Task<bool> RemoveAsync(Guid userId, Guid tenantId, CancellationToken ct);
}
