namespace CloudPortal.Core.Placement;

/// <summary>Strict anti-affinity: never two machines of the group on one host (three replicas on three hosts).</summary>
public sealed class AntiAffinityFilter : IHostFilter
{
    public string Name => "anti-affinity";

    public bool Passes(PlacementRequest request, HostCandidate host) =>
        request.Group is not { StrictAntiAffinity: true } group || !group.MemberHosts.Contains(host.HostId);

    public string? Reject(PlacementRequest request, HostCandidate host) =>
        Passes(request, host) ? null : $"host {host.Name} already runs a machine of group {request.Group!.Name} (strict anti-affinity)";
}

/// <summary>Strict affinity: once the group has a machine, the others go to a host that holds one.</summary>
public sealed class AffinityFilter : IHostFilter
{
    public string Name => "affinity";

    public bool Passes(PlacementRequest request, HostCandidate host) =>
        request.Group is not { StrictAffinity: true } group || group.MemberHosts.Count == 0 || group.MemberHosts.Contains(host.HostId);

    public string? Reject(PlacementRequest request, HostCandidate host) =>
        Passes(request, host) ? null : $"host {host.Name} runs no machine of group {request.Group!.Name} (strict affinity)";
}

/// <summary>
/// Soft affinity and anti-affinity: 1 for a host the group prefers (holds a member, or for anti-affinity does not),
/// 0 otherwise; 0 everywhere for requests without a soft group, so it changes no other ranking.
/// </summary>
public sealed class GroupWeigher : IHostWeigher
{
    public string Name => "group";

    public double Score(PlacementRequest request, HostCandidate host)
    {
        if (request.Group is not { Strict: false } group)
            return 0.0;
        var holds = group.MemberHosts.Contains(host.HostId);
        return (group.Policy == PlacementGroupPolicies.Affinity) == holds ? 1.0 : 0.0;
    }
}
