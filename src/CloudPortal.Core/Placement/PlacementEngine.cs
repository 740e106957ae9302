namespace CloudPortal.Core.Placement;

/// <summary>
/// Filter then weigh: every filter must pass, the weighted sum of the weighers ranks the survivors, ties go to the
/// host name so that the same inputs always give the same host. Pure: callers build the candidates.
/// </summary>
public sealed class PlacementEngine(IReadOnlyList<IHostFilter> filters, IReadOnlyList<WeightedWeigher> weighers)
{
    /// <summary>
    /// The standard filters in the order they are reported: state first, since capacity means nothing on a host that
    /// is down; trust and group rules before capacity, since a host the tenant may never use should say so rather
    /// than "full", and a full strict anti-affinity group should read as such on every host.
    /// </summary>
    public static IReadOnlyList<IHostFilter> DefaultFilters { get; } =
        [new ConnectedFilter(), new LabelFilter(), new TrustFilter(), new AntiAffinityFilter(), new AffinityFilter(), new CapacityFilter()];

    // The group weigher counts as much as the mode's: a soft group preference beats fullness, as a tenant asking for
    // it expects, while hosts the group treats alike are still ranked by the mode alone.
    public static PlacementEngine For(PlacementMode mode) => new(DefaultFilters, mode switch
    {
        PlacementMode.Spread => [new WeightedWeigher(new SpreadWeigher(), 1.0), new WeightedWeigher(new GroupWeigher(), 1.0)],
        _ => [new WeightedWeigher(new PackWeigher(), 1.0), new WeightedWeigher(new GroupWeigher(), 1.0)],
    });

    /// <summary>The engine of configured weights; a weigher of weight 0 is left out (it could change nothing).</summary>
    public static PlacementEngine For(PlacementWeights weights, IHostLoadSource load)
    {
        var weighers = new List<WeightedWeigher>(4);
        void Add(IHostWeigher weigher, double weight)
        {
            if (weight != 0.0)
                weighers.Add(new WeightedWeigher(weigher, weight));
        }
        Add(new PackWeigher(), weights.Pack);
        Add(new SpreadWeigher(), weights.Spread);
        Add(new LoadAwareWeigher(load), weights.Load);
        Add(new GroupWeigher(), weights.Group);
        return new PlacementEngine(DefaultFilters, weighers);
    }

    // Arrays, not the interfaces: Place runs filters and weighers millions of times in a batch, and a foreach over
    // IReadOnlyList allocates an enumerator on every call.
    private readonly IHostFilter[] _filters = [.. filters];
    private readonly WeightedWeigher[] _weighers = [.. weighers];

    public IReadOnlyList<IHostFilter> Filters => _filters;
    public IReadOnlyList<WeightedWeigher> Weighers => _weighers;

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
        var parts = new WeigherScore[_weighers.Length];
        for (var i = 0; i < _weighers.Length; i++)
        {
            var (weigher, weight) = (_weighers[i].Weigher, _weighers[i].Weight);
            parts[i] = new WeigherScore(weigher.Name, weight, weigher.Score(request, host), (weigher as IExplainingWeigher)?.Note(request, host));
        }
        return new HostVerdict(host.HostId, host.Name, true, null, null, Score(request, host)) { Weights = parts };
    }

    private bool Passes(PlacementRequest request, HostCandidate host)
    {
        for (var i = 0; i < _filters.Length; i++)
        {
            if (!_filters[i].Passes(request, host))
                return false;
        }
        return true;
    }

    private double Score(PlacementRequest request, HostCandidate host)
    {
        var score = 0.0;
        for (var i = 0; i < _weighers.Length; i++)
            score += _weighers[i].Weight * _weighers[i].Weigher.Score(request, host);
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
