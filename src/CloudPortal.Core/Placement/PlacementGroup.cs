namespace CloudPortal.Core.Placement;

/// <summary>A tenant's group of machines placed together or apart.</summary>
public sealed record PlacementGroup
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public required string Name { get; init; }
    public required string Policy { get; init; }
    public bool Strict { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int Members { get; init; }
}

public static class PlacementGroupPolicies
{
    public const string Affinity = "affinity";
    public const string AntiAffinity = "anti-affinity";
    public static readonly IReadOnlyList<string> All = [Affinity, AntiAffinity];
}

/// <summary>What placement needs of the request's group: its rule and the hosts its machines already run on.</summary>
public sealed record GroupPlacement(string Name, string Policy, bool Strict, IReadOnlySet<Guid> MemberHosts)
{
    public bool StrictAffinity => Strict && Policy == PlacementGroupPolicies.Affinity;
    public bool StrictAntiAffinity => Strict && Policy == PlacementGroupPolicies.AntiAffinity;
    public Guid Id { get; init; }
    /// <summary>How many machines the group holds (not hosts: a group may have several on one host).</summary>
    public int Members { get; init; }
}

public interface IPlacementGroupStore
{
    /// <summary>A name already taken in the tenant is a <see cref="Common.ConflictException"/>.</summary>
    Task InsertAsync(PlacementGroup group, CancellationToken ct);
    Task<IReadOnlyList<PlacementGroup>> ListAsync(Guid tenantId, CancellationToken ct);
    /// <summary>The machines in each of the tenant's groups, by name: one query for a whole page of groups.</summary>
    Task<ILookup<Guid, string>> MemberNamesAsync(Guid tenantId, CancellationToken ct);
    /// <summary>Every tenant's strict anti-affinity groups that hold machines: the ones a policy change can overfill.</summary>
    Task<IReadOnlyList<PlacementGroup>> ListStrictAntiAffinityAsync(CancellationToken ct);
    Task<PlacementGroup?> GetAsync(Guid id, CancellationToken ct);
    /// <summary>The hosts the group's machines are on.</summary>
    Task<IReadOnlySet<Guid>> MemberHostsAsync(Guid id, CancellationToken ct);
    /// <summary>The hosts the group's other machines are on: where a member that moves must (not) go.</summary>
    Task<IReadOnlySet<Guid>> MemberHostsAsync(Guid id, Guid exceptMachineId, CancellationToken ct);
    /// <summary>Deletes an empty group; one with machines is a <see cref="Common.ConflictException"/>.</summary>
    Task DeleteAsync(Guid id, CancellationToken ct);
}
