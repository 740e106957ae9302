namespace CloudPortal.Core.Placement;

/// <summary>How a tenant shares hosts: the values of tenants.isolation.</summary>
public static class TenantIsolation
{
    public const string Shared = "shared";
    public const string Exclusive = "exclusive";
    public const string Dedicated = "dedicated";

    public static readonly IReadOnlyList<string> All = [Shared, Exclusive, Dedicated];
}

/// <summary>
/// What the trust filter needs to know about the requesting tenant and its neighbours, loaded once per decision:
/// its own isolation, which tenants are exclusive (nobody may join their hosts) and which are kept apart from it.
/// </summary>
public sealed record TenantTrust
{
    public static readonly TenantTrust Shared = new();

    public string TenantName { get; init; } = "this tenant";
    public string Isolation { get; init; } = TenantIsolation.Shared;
    public IReadOnlySet<Guid> ExclusiveTenants { get; init; } = new HashSet<Guid>();
    public IReadOnlySet<Guid> KeptApart { get; init; } = new HashSet<Guid>();
}

/// <summary>The cloud's trust settings as stored: isolation per tenant, dedicated hosts and the pairs kept apart.</summary>
public sealed record TrustSettings(
    IReadOnlyDictionary<Guid, (string Name, string Isolation)> Tenants,
    IReadOnlyDictionary<Guid, Guid> DedicatedHosts,
    IReadOnlyList<(Guid A, Guid B)> ApartPairs)
{
    /// <summary>Tenants that override the cloud's placement mode.</summary>
    public IReadOnlyDictionary<Guid, PlacementMode> TenantModes { get; init; } = new Dictionary<Guid, PlacementMode>();

    /// <summary>The same settings with one tenant's isolation changed: what a policy change would make them.</summary>
    public TrustSettings WithIsolation(Guid tenantId, string isolation)
    {
        var tenants = Tenants.ToDictionary();
        tenants[tenantId] = (tenants.TryGetValue(tenantId, out var t) ? t.Name : "this tenant", isolation);
        return this with { Tenants = tenants };
    }

    public TrustSettings WithoutHost(Guid hostId) =>
        this with { DedicatedHosts = DedicatedHosts.Where(p => p.Key != hostId).ToDictionary() };

    public TrustSettings WithHost(Guid hostId, Guid tenantId) =>
        this with { DedicatedHosts = new Dictionary<Guid, Guid>(DedicatedHosts) { [hostId] = tenantId } };

    public TrustSettings WithApart(Guid a, Guid b) => this with { ApartPairs = [.. ApartPairs, (a, b)] };

    public string NameOf(Guid tenantId) => Tenants.TryGetValue(tenantId, out var t) ? t.Name : tenantId.ToString();

    public int HostsAssignedTo(Guid tenantId) => DedicatedHosts.Count(p => p.Value == tenantId);

    /// <summary>
    /// The tenant a host is reserved for: assigned to it and the tenant dedicated. An assignment to a tenant that is
    /// (no longer) dedicated reserves nothing, so switching a tenant back to shared frees its hosts at once.
    /// </summary>
    public Guid? DedicatedOwnerOf(Guid hostId) =>
        DedicatedHosts.TryGetValue(hostId, out var owner) && Tenants.TryGetValue(owner, out var t) && t.Isolation == TenantIsolation.Dedicated
            ? owner : null;

    public TenantTrust For(Guid tenantId) => new()
    {
        TenantName = Tenants.TryGetValue(tenantId, out var t) ? t.Name : "this tenant",
        Isolation = Tenants.TryGetValue(tenantId, out var own) ? own.Isolation : TenantIsolation.Shared,
        ExclusiveTenants = Tenants.Where(p => p.Value.Isolation == TenantIsolation.Exclusive).Select(p => p.Key).ToHashSet(),
        KeptApart = ApartPairs.Where(p => p.A == tenantId || p.B == tenantId).Select(p => p.A == tenantId ? p.B : p.A).ToHashSet(),
    };
}

public interface ITrustStore
{
    Task<TrustSettings> LoadAsync(CancellationToken ct);
    Task SetIsolationAsync(Guid tenantId, string isolation, CancellationToken ct);
    /// <summary>Sets or (null) clears the tenant's own placement mode.</summary>
    Task SetPlacementModeAsync(Guid tenantId, PlacementMode? mode, CancellationToken ct);
    /// <summary>Assigns the host to the tenant; a host already assigned to another tenant is a <see cref="Common.ConflictException"/>.</summary>
    Task AssignHostAsync(Guid hostId, Guid tenantId, CancellationToken ct);
    Task<bool> UnassignHostAsync(Guid hostId, Guid tenantId, CancellationToken ct);
    Task KeepApartAsync(Guid tenantId, Guid otherId, CancellationToken ct);
    Task<bool> RemoveApartAsync(Guid tenantId, Guid otherId, CancellationToken ct);
}
