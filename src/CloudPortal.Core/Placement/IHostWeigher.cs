namespace CloudPortal.Core.Placement;

/// <summary>Scores a host that passed every filter: higher is better. Scores are in 0..1 so that weights combine them fairly.</summary>
public interface IHostWeigher
{
    string Name { get; }
    double Score(PlacementRequest request, HostCandidate host);
}

/// <summary>A weigher and how much it counts in the combined score.</summary>
public sealed record WeightedWeigher(IHostWeigher Weigher, double Weight);
