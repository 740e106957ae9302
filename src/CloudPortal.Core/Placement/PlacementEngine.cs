namespace CloudPortal.Core.Placement;

/// <summary>
/// Filter then weigh: every filter must pass, the weighted sum of the weighers ranks the survivors, ties go to the
/// host name so that the same inputs always give the same host. Pure: callers build the candidates.
/// </summary>
public sealed class PlacementEngine(IReadOnlyList<IHostFilter> filters, IReadOnlyList<WeightedWeigher> weighers)
{
    /// <summary>The standard filters in the order they are reported: state first, since capacity means nothing on a host that is down.</summary>
    public static IReadOnlyList<IHostFilter> DefaultFilters { get; } = [new ConnectedFilter(), new LabelFilter(), new CapacityFilter()];

    public static PlacementEngine For(PlacementMode mode) => new(DefaultFilters, mode switch
    {
        PlacementMode.Spread => [new WeightedWeigher(new SpreadWeigher(), 1.0)],
        _ => [new WeightedWeigher(new PackWeigher(), 1.0)],
    });

    public IReadOnlyList<IHostFilter> Filters { get; } = filters;
    public IReadOnlyList<WeightedWeigher> Weighers { get; } = weighers;

    public PlacementExplanation Explain(PlacementRequest request, IEnumerable<HostCandidate> candidates)
    {
        var verdicts = new List<HostVerdict>();
        foreach (var host in candidates)
            verdicts.Add(Judge(request, host));
        verdicts.Sort(BestFirst);
        return new PlacementExplanation(verdicts);
    }

    /// <summary>The best host, or null when none passes every filter. Cheaper than <see cref="Explain"/>: no texts.</summary>
    public HostCandidate? Place(PlacementRequest request, IEnumerable<HostCandidate> candidates)
    {
        HostCandidate? best = null;
        var bestScore = double.NegativeInfinity;
        foreach (var host in candidates)
        {
            if (!Passes(request, host))
                continue;
            var score = Score(request, host);
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(host.Name, best.Name) < 0))
                (best, bestScore) = (host, score);
        }
        return best;
    }

    private HostVerdict Judge(PlacementRequest request, HostCandidate host)
    {
        foreach (var filter in Filters)
        {
            if (filter.Reject(request, host) is { } reason)
                return new HostVerdict(host.HostId, host.Name, false, filter.Name, reason, null);
        }
        return new HostVerdict(host.HostId, host.Name, true, null, null, Score(request, host));
    }

    private bool Passes(PlacementRequest request, HostCandidate host)
    {
        foreach (var filter in Filters)
        {
            if (!filter.Passes(request, host))
                return false;
        }
        return true;
    }

    private double Score(PlacementRequest request, HostCandidate host)
    {
        var score = 0.0;
        foreach (var (weigher, weight) in Weighers)
            score += weight * weigher.Score(request, host);
        return score;
    }

    private static int BestFirst(HostVerdict a, HostVerdict b)
    {
        if (a.Eligible != b.Eligible)
            return a.Eligible ? -1 : 1;
        if (a.Eligible && a.Score != b.Score)
            return b.Score!.Value.CompareTo(a.Score!.Value);
        return string.CompareOrdinal(a.Name, b.Name);
    }
}
