using CloudPortal.Core.Placement;
using static CloudPortal.Core.Tests.Placement.PlacementTestHosts;

namespace CloudPortal.Core.Tests.Placement;

public sealed class PlacementEngineTests
{
    [Fact]
    public void Place_PackMode_PicksFullestHostThatFits()
    {
        HostCandidate[] hosts = [Host("a"), Host("b", allocMemory: 2048), Host("c", allocMemory: 2816)];
        Assert.Equal("b", PlacementEngine.For(PlacementMode.Pack).Place(Request(1, 512), hosts)!.Name);
    }

    [Fact]
    public void Place_SpreadMode_PicksLeastLoadedHost()
    {
        HostCandidate[] hosts = [Host("a", allocMemory: 1024), Host("b"), Host("c", allocMemory: 2048)];
        Assert.Equal("b", PlacementEngine.For(PlacementMode.Spread).Place(Request(1, 512), hosts)!.Name);
    }

    [Fact]
    public void Place_EqualScores_BreaksTieByName()
    {
        HostCandidate[] hosts = [Host("zeta"), Host("alpha"), Host("mid")];
        Assert.Equal("alpha", PlacementEngine.For(PlacementMode.Pack).Place(Request(), hosts)!.Name);
        Assert.Equal("alpha", PlacementEngine.For(PlacementMode.Spread).Place(Request(), hosts.Reverse())!.Name);
        Assert.Equal("alpha", PlacementEngine.For(PlacementMode.Pack).Explain(Request(), hosts).Chosen!.Name);
    }

    [Fact]
    public void Place_NoHostFits_ReturnsNull()
    {
        HostCandidate[] hosts = [Host("a", maintenance: true), Host("b", allocMemory: 3000)];
        Assert.Null(PlacementEngine.For(PlacementMode.Pack).Place(Request(1, 512), hosts));
    }

    [Fact]
    public void Place_CombinedWeights_FollowTheHeavierWeigher()
    {
        HostCandidate[] hosts = [Host("a"), Host("b", allocMemory: 2048)];
        var packHeavy = new PlacementEngine(PlacementEngine.DefaultFilters,
            [new WeightedWeigher(new PackWeigher(), 3.0), new WeightedWeigher(new SpreadWeigher(), 1.0)]);
        var spreadHeavy = new PlacementEngine(PlacementEngine.DefaultFilters,
            [new WeightedWeigher(new PackWeigher(), 1.0), new WeightedWeigher(new SpreadWeigher(), 3.0)]);
        Assert.Equal("b", packHeavy.Place(Request(), hosts)!.Name);
        Assert.Equal("a", spreadHeavy.Place(Request(), hosts)!.Name);
    }

    [Fact]
    public void Explain_EveryHost_HasVerdictWithFilterReasonOrScore()
    {
        HostCandidate[] hosts =
        [
            Host("down", connected: false),
            Host("maint", maintenance: true),
            Host("full", allocMemory: 2816),
            Host("plain"),
            Host("ssd-empty", labels: ["ssd"]),
            Host("ssd-busy", allocMemory: 1024, labels: ["ssd"]),
        ];
        var explanation = PlacementEngine.For(PlacementMode.Pack).Explain(Request(1, 512, "ssd"), hosts);

        Assert.Equal(["ssd-busy", "ssd-empty", "down", "full", "maint", "plain"], explanation.Hosts.Select(h => h.Name));
        Assert.Equal("ssd-busy", explanation.Chosen!.Name);
        var byName = explanation.Hosts.ToDictionary(h => h.Name);
        Assert.Equal(("connected", "host is not connected"), (byName["down"].Filter, byName["down"].Reason));
        Assert.Equal(("connected", "host is in maintenance"), (byName["maint"].Filter, byName["maint"].Reason));
        // Labels are checked before capacity: the host lacks both, and the first failing filter is the one reported.
        Assert.Equal(("labels", "missing label ssd"), (byName["full"].Filter, byName["full"].Reason));
        Assert.Equal(("labels", "missing label ssd"), (byName["plain"].Filter, byName["plain"].Reason));
        Assert.All(explanation.Hosts.Where(h => !h.Eligible), h => Assert.Null(h.Score));
        Assert.Equal(0.5, byName["ssd-busy"].Score!.Value, 9);
        Assert.Equal(0.25, byName["ssd-empty"].Score!.Value, 9);
        Assert.True(byName["ssd-empty"].Eligible);
        Assert.Null(byName["ssd-empty"].Filter);
    }

    [Fact]
    public void Explain_NoHostFits_SummaryListsEachHostAndWhy()
    {
        HostCandidate[] hosts = [Host("h2", allocMemory: 2816), Host("h1", maintenance: true)];
        var explanation = PlacementEngine.For(PlacementMode.Pack).Explain(Request(1, 512), hosts);
        Assert.Null(explanation.Chosen);
        Assert.Equal(
            "h1: host is in maintenance; h2: memory: needs 512 MiB, free 256 MiB after overcommit 1.0 and 1024 MiB reserved",
            explanation.Summary());
    }

    [Fact]
    public void With_PlacedRequest_AddsAllocationAndTenant()
    {
        var after = Host("h").With(Request(2, 512));
        Assert.Equal((2, 512L), (after.AllocatedVcpus, after.AllocatedMemoryMiB));
        Assert.Contains(Tenant, after.TenantsPresent);
    }
}
