namespace CloudPortal.Core.Placement;

/// <summary>
/// Who may share a host: exclusive tenants share with nobody, dedicated tenants only use (and own) their assigned
/// hosts, and tenants kept apart never meet. Reasons never name another tenant: a tenant must not learn who its
/// neighbours are, so they are "other tenants".
/// </summary>
public sealed class TrustFilter : IHostFilter
{
    public string Name => "trust";

    // The common case (a shared tenant, no exclusive or distrusted neighbours, no dedicated host) must stay free:
    // the benchmark places thousands of machines per second through this.
    public bool Passes(PlacementRequest request, HostCandidate host) =>
        (request.Trust.Isolation == TenantIsolation.Shared && host.DedicatedTenantId is null
            && request.Trust.ExclusiveTenants.Count == 0 && request.Trust.KeptApart.Count == 0)
        || Reject(request, host) is null;

    public string? Reject(PlacementRequest request, HostCandidate host)
    {
        var trust = request.Trust;
        var tenant = trust.TenantName;

        if (trust.Isolation == TenantIsolation.Dedicated && host.DedicatedTenantId != request.TenantId)
            return $"tenant {tenant} is dedicated and host {host.Name} is not assigned to it";
        if (host.DedicatedTenantId is { } owner && owner != request.TenantId)
            return $"host {host.Name} is dedicated to another tenant";

        var others = 0;
        var exclusiveNeighbour = false;
        var apartNeighbour = false;
        foreach (var present in host.TenantsPresent)
        {
            if (present == request.TenantId)
                continue;
            others++;
            exclusiveNeighbour |= trust.ExclusiveTenants.Contains(present);
            apartNeighbour |= trust.KeptApart.Contains(present);
        }
        if (trust.Isolation == TenantIsolation.Exclusive && others > 0)
            return $"tenant {tenant} is exclusive and host {host.Name} runs machines of {others} other tenant{(others == 1 ? "" : "s")}";
        if (exclusiveNeighbour)
            return $"host {host.Name} runs machines of an exclusive tenant";
        if (apartNeighbour)
            return $"tenant {tenant} is kept apart from another tenant with machines on host {host.Name}";
        return null;
    }
}
