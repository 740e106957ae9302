namespace CloudPortal.Core.Placement;

/// <summary>Why the trust policy keeps a tenant off a host; counted by kind when a policy conflict is reported.</summary>
public enum TrustRefusal
{
    NotAssigned,
    DedicatedToOther,
    SharedWithOthers,
    ExclusiveNeighbour,
    KeptApartNeighbour,
}

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
        || Check(request, host) is null;

    public string? Reject(PlacementRequest request, HostCandidate host)
    {
        var tenant = request.Trust.TenantName;
        return Check(request, host) switch
        {
            null => null,
            TrustRefusal.NotAssigned => $"tenant {tenant} is dedicated and host {host.Name} is not assigned to it",
            TrustRefusal.DedicatedToOther => $"host {host.Name} is dedicated to another tenant",
            TrustRefusal.SharedWithOthers => OthersText(request, host, tenant),
            TrustRefusal.ExclusiveNeighbour => $"host {host.Name} runs machines of an exclusive tenant",
            _ => $"tenant {tenant} is kept apart from another tenant with machines on host {host.Name}",
        };
    }

    /// <summary>The first rule that keeps the request's tenant off the host, or null when trust allows it.</summary>
    public static TrustRefusal? Check(PlacementRequest request, HostCandidate host)
    {
        var trust = request.Trust;
        if (trust.Isolation == TenantIsolation.Dedicated && host.DedicatedTenantId != request.TenantId)
            return TrustRefusal.NotAssigned;
        if (host.DedicatedTenantId is { } owner && owner != request.TenantId)
            return TrustRefusal.DedicatedToOther;

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
            return TrustRefusal.SharedWithOthers;
        if (exclusiveNeighbour)
            return TrustRefusal.ExclusiveNeighbour;
        if (apartNeighbour)
            return TrustRefusal.KeptApartNeighbour;
        return null;
    }

    private static string OthersText(PlacementRequest request, HostCandidate host, string tenant)
    {
        var others = host.TenantsPresent.Count(t => t != request.TenantId);
        return $"tenant {tenant} is exclusive and host {host.Name} runs machines of {others} other tenant{(others == 1 ? "" : "s")}";
    }
}
