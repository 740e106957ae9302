using CloudPortal.Core.Placement;
using static CloudPortal.Core.Tests.Placement.PlacementTestHosts;

namespace CloudPortal.Core.Tests.Placement;

public sealed class AffinityTests
{
    private static PlacementRequest InGroup(string policy, bool strict, params HostCandidate[] members) =>
        Request() with { Group = new GroupPlacement("web", policy, strict, members.Select(h => h.HostId).ToHashSet()) };

    [Fact]
    public void Explain_StrictAntiAffinityOnEveryHost_DropsEachByAntiAffinity()
    {
        HostCandidate[] hosts = [Host("h1"), Host("h2"), Host("h3")];
        var explanation = PlacementEngine.For(PlacementMode.Pack).Explain(InGroup(PlacementGroupPolicies.AntiAffinity, true, hosts), hosts);
        Assert.Null(explanation.Chosen);
        Assert.All(explanation.Hosts, h => Assert.Equal("anti-affinity", h.Filter));
        Assert.Equal("host h1 already runs a machine of group web (strict anti-affinity)", explanation.Hosts[0].Reason);
    }

    [Fact]
    public void Place_StrictAntiAffinity_ThreeReplicasLandOnThreeHosts()
    {
        var engine = PlacementEngine.For(PlacementMode.Pack);
        HostCandidate[] hosts = [Host("h1"), Host("h2"), Host("h3")];
        var used = new List<HostCandidate>();
        for (var i = 0; i < 3; i++)
        {
            var chosen = engine.Place(InGroup(PlacementGroupPolicies.AntiAffinity, true, [.. used]), hosts);
            Assert.NotNull(chosen);
            used.Add(chosen);
        }
        Assert.Equal(3, used.Select(h => h.HostId).Distinct().Count());
        Assert.Null(engine.Place(InGroup(PlacementGroupPolicies.AntiAffinity, true, [.. used]), hosts));
    }

    [Fact]
    public void Place_StrictAffinity_GoesWhereTheGroupIsEvenIfEmptierElsewhere()
    {
        var member = Host("b-member");
        var fuller = Host("a-full", allocVcpus: 3, allocMemory: 2048);
        var request = InGroup(PlacementGroupPolicies.Affinity, true, member);
        Assert.Equal("b-member", PlacementEngine.For(PlacementMode.Pack).Place(request, [fuller, member])?.Name);
        Assert.Equal("host a-full runs no machine of group web (strict affinity)", new AffinityFilter().Reject(request, fuller));
    }

    [Fact]
    public void Reject_StrictAffinityWithoutMembers_AnyHostPasses() =>
        Assert.Null(new AffinityFilter().Reject(InGroup(PlacementGroupPolicies.Affinity, true), Host("h1")));

    [Fact]
    public void Place_SoftAntiAffinity_AvoidsTheMembersHostButUsesItWhenAlone()
    {
        var engine = PlacementEngine.For(PlacementMode.Pack);
        var member = Host("a-member", allocVcpus: 1, allocMemory: 1024);
        var empty = Host("b-empty");
        Assert.Equal("b-empty", engine.Place(InGroup(PlacementGroupPolicies.AntiAffinity, false, member), [member, empty])?.Name);
        Assert.Equal("a-member", engine.Place(InGroup(PlacementGroupPolicies.AntiAffinity, false, member), [member])?.Name);
    }

    [Fact]
    public void Place_SoftAffinity_PrefersTheMembersHostOverPack()
    {
        var engine = PlacementEngine.For(PlacementMode.Pack);
        var member = Host("b-member");
        var fuller = Host("a-full", allocVcpus: 3, allocMemory: 2048);
        Assert.Equal("b-member", engine.Place(InGroup(PlacementGroupPolicies.Affinity, false, member), [fuller, member])?.Name);
    }

    [Fact]
    public void Score_NoGroup_GroupWeigherIsZero() => Assert.Equal(0.0, new GroupWeigher().Score(Request(), Host("h1")));
}
