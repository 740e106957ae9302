using CloudPortal.Core.Placement;
using static CloudPortal.Core.Tests.Placement.PlacementTestHosts;

namespace CloudPortal.Core.Tests.Placement;

public sealed class WeigherTests
{
    [Fact]
    public void PackScore_FullerHost_ScoresHigher()
    {
        var pack = new PackWeigher();
        var empty = Host("empty");
        var half = Host("half", allocMemory: 1536);
        Assert.True(pack.Score(Request(), half) > pack.Score(Request(), empty));
    }

    [Fact]
    public void PackScore_IsLoadAfterPlacementOnTheScarcerResource()
    {
        // Memory: (1024 + 512) / 3072 = 0.5; vCPUs: (1 + 1) / 4 = 0.5 → 0.5. With 3 vCPUs used: 4/4 = 1.
        Assert.Equal(0.5, new PackWeigher().Score(Request(1, 512), Host("h", allocMemory: 1024, allocVcpus: 1)), 9);
        Assert.Equal(1.0, new PackWeigher().Score(Request(1, 512), Host("h", allocMemory: 1024, allocVcpus: 3)), 9);
    }

    [Fact]
    public void SpreadScore_EmptierHost_ScoresHigher()
    {
        var spread = new SpreadWeigher();
        Assert.True(spread.Score(Request(), Host("empty")) > spread.Score(Request(), Host("half", allocMemory: 1536)));
    }

    [Fact]
    public void SpreadScore_IsOneMinusPack()
    {
        var host = Host("h", allocMemory: 700, allocVcpus: 1);
        Assert.Equal(1.0, new PackWeigher().Score(Request(), host) + new SpreadWeigher().Score(Request(), host), 9);
    }
}
