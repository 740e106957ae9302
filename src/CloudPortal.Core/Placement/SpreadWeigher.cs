namespace CloudPortal.Core.Placement;

/// <summary>Availability: the least loaded host wins, so that one host failing takes down as few machines as possible.</summary>
public sealed class SpreadWeigher : IHostWeigher
{
    public string Name => "spread";

    public double Score(PlacementRequest request, HostCandidate host) => 1.0 - HostLoad.After(request, host);
}
