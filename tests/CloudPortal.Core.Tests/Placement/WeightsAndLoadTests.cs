using CloudPortal.Core.Placement;
using static CloudPortal.Core.Tests.Placement.PlacementTestHosts;

namespace CloudPortal.Core.Tests.Placement;

/// <summary>Weights that combine, the load-aware weigher over <see cref="IHostLoadSource"/>, and re-placement after a drop.</summary>
public sealed class WeightsAndLoadTests
{
    /// <summary>A load source that answers from a table, as monitoring's would from its last samples.</summary>
    private sealed class MeasuredLoad(Dictionary<Guid, HostLoadMeasurement> samples) : IHostLoadSource
    {
        public HostLoadMeasurement? Get(Guid hostId) => samples.GetValueOrDefault(hostId);
    }

    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void LoadScore_NoMeasurement_IsNeutralAndSaysSo()
    {
        var weigher = new LoadAwareWeigher(NoHostLoadSource.Instance);
        var host = Host("h");
        Assert.Equal(LoadAwareWeigher.Neutral, weigher.Score(Request(), host));
        Assert.Equal("no measurement", weigher.Note(Request(), host));
    }

    [Fact]
    public void LoadScore_Measured_IsOneMinusTheBusierResource()
    {
        var host = Host("h");
        var weigher = new LoadAwareWeigher(new MeasuredLoad(new() { [host.HostId] = new(0.2, 0.7, At) }));
        Assert.Equal(0.3, weigher.Score(Request(), host), 9);
        Assert.StartsWith("measured CPU 20", weigher.Note(Request(), host));
    }

    [Fact]
    public void Place_LoadOnlyWeights_PicksTheLeastMeasuredHostAndNeutralForTheUnmeasured()
    {
        HostCandidate[] hosts = [Host("busy"), Host("idle"), Host("unknown")];
        var load = new MeasuredLoad(new() { [hosts[0].HostId] = new(0.9, 0.9, At), [hosts[1].HostId] = new(0.1, 0.05, At) });
        var engine = PlacementEngine.For(new PlacementWeights { Load = 1.0, Group = 0 }, load);

        var explanation = engine.Explain(Request(), hosts);

        Assert.Equal(["idle", "unknown", "busy"], explanation.Hosts.Select(h => h.Name));
        var unknown = explanation.Hosts[1].Weights!.Single();
        Assert.Equal(("load", 0.5, "no measurement"), (unknown.Name, unknown.Score, unknown.Note));
    }

    [Fact]
    public void Place_PackWithLoadWeight_PacksButBreaksEqualFullnessByMeasuredLoad()
    {
        // Same allocation on both: pack alone ties (and the name would pick "a"); load 0.25 prefers the idler "b".
        HostCandidate[] hosts = [Host("a", allocMemory: 1024), Host("b", allocMemory: 1024), Host("empty")];
        var load = new MeasuredLoad(new() { [hosts[0].HostId] = new(0.8, 0.5, At), [hosts[1].HostId] = new(0.1, 0.2, At) });
        var weights = new PlacementWeights { Pack = 1.0, Load = 0.25 };

        Assert.Equal("a", PlacementEngine.For(new PlacementWeights { Pack = 1.0 }, load).Place(Request(), hosts)!.Name);
        Assert.Equal("b", PlacementEngine.For(weights, load).Place(Request(), hosts)!.Name);
    }

    [Fact]
    public void For_WeightsCombine_ScoreIsTheWeightedSumAndZeroWeightsAreLeftOut()
    {
        var host = Host("h", allocMemory: 1024);
        var engine = PlacementEngine.For(new PlacementWeights { Pack = 1.0, Spread = 0.5, Load = 0.0, Group = 0.0 }, NoHostLoadSource.Instance);

        var verdict = engine.Explain(Request(1, 512), [host]).Hosts[0];

        Assert.Equal(["pack", "spread"], engine.Weighers.Select(w => w.Weigher.Name));
        // Pack 0.5 (1536 / 3072, vCPUs 1/4), spread 0.5: 1.0 × 0.5 + 0.5 × 0.5.
        Assert.Equal(0.75, verdict.Score!.Value, 9);
        Assert.Equal([(1.0, 0.5), (0.5, 0.5)], verdict.Weights!.Select(w => (w.Weight, Math.Round(w.Score, 9))));
    }

    [Fact]
    public void DefaultOptions_PackModePacksAndSpreadModeSpreads()
    {
        var options = new PlacementOptions();
        HostCandidate[] hosts = [Host("empty"), Host("half", allocMemory: 1536)];
        Assert.Equal("half", PlacementEngine.For(options.WeightsFor(PlacementMode.Pack), NoHostLoadSource.Instance).Place(Request(), hosts)!.Name);
        Assert.Equal("empty", PlacementEngine.For(options.WeightsFor(PlacementMode.Spread), NoHostLoadSource.Instance).Place(Request(), hosts)!.Name);
    }

    [Fact]
    public void Explain_DroppedHost_IsRefusedByConnectedAndTheNextHostChosen()
    {
        HostCandidate[] hosts = [Host("a", allocMemory: 1024), Host("b")];
        var request = Request() with { DroppedHosts = new HashSet<Guid> { hosts[0].HostId } };

        var explanation = PlacementEngine.For(PlacementMode.Pack).Explain(request, hosts);

        Assert.Equal("b", explanation.Chosen!.Name);
        var dropped = explanation.Hosts.Single(h => h.Name == "a");
        Assert.Equal(("connected", "host dropped while the machine was being created on it"), (dropped.Filter, dropped.Reason));
    }

    [Fact]
    public void TrustCheck_KindsOfRefusal_AreReportedInRuleOrder()
    {
        var other = Guid.NewGuid();
        var dedicated = Request() with { Trust = new TenantTrust { Isolation = TenantIsolation.Dedicated } };
        var exclusive = Request() with { Trust = new TenantTrust { Isolation = TenantIsolation.Exclusive } };
        var apart = Request() with { Trust = new TenantTrust { KeptApart = new HashSet<Guid> { other } } };
        var shared = Host("shared") with { TenantsPresent = [other] };

        Assert.Equal(TrustRefusal.NotAssigned, TrustFilter.Check(dedicated, Host("h")));
        Assert.Equal(TrustRefusal.DedicatedToOther, TrustFilter.Check(Request(), Host("h") with { DedicatedTenantId = other }));
        Assert.Equal(TrustRefusal.SharedWithOthers, TrustFilter.Check(exclusive, shared));
        Assert.Equal(TrustRefusal.KeptApartNeighbour, TrustFilter.Check(apart, shared));
        Assert.Null(TrustFilter.Check(Request(), shared));
    }

    [Fact]
    public void HostAllowance_Describe_NamesTheNumbers()
    {
        var allowance = new HostAllowance(1, 3, new Dictionary<string, int> { ["in maintenance"] = 1, ["dedicated to another tenant"] = 1 });
        Assert.Equal("1 of 3 hosts (1 dedicated to another tenant, 1 in maintenance)", allowance.Describe());
    }
}
