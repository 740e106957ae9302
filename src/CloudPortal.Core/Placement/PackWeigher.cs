namespace CloudPortal.Core.Placement;

/// <summary>
/// Server consolidation: the fullest host that fits wins, so that load gathers on few hosts and others stay idle
/// (and can be switched off or drained). "Full" is measured after the machine lands, on the scarcer resource.
/// </summary>
public sealed class PackWeigher : IHostWeigher
{
    public string Name => "pack";

    public double Score(PlacementRequest request, HostCandidate host) => HostLoad.After(request, host);
}
