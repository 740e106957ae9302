using CloudPortal.Core.Placement;
using static CloudPortal.Core.Tests.Placement.PlacementTestHosts;

namespace CloudPortal.Core.Tests.Placement;

public sealed class ConnectedFilterTests
{
    private readonly ConnectedFilter _filter = new();

    [Fact]
    public void Reject_ConnectedHost_Passes() => Assert.Null(_filter.Reject(Request(), Host("h1")));

    [Fact]
    public void Reject_DisconnectedHost_SaysNotConnected() =>
        Assert.Equal("host is not connected", _filter.Reject(Request(), Host("h1", connected: false)));

    [Fact]
    public void Reject_HostInMaintenance_SaysMaintenance() =>
        Assert.Equal("host is in maintenance", _filter.Reject(Request(), Host("h1", maintenance: true)));
}

public sealed class CapacityFilterTests
{
    private readonly CapacityFilter _filter = new();

    [Fact]
    public void Reject_ExactFit_Passes()
    {
        // 4096 - 1024 reserved = 3072 MiB; 2560 allocated leaves exactly 512.
        var host = Host("h1", allocMemory: 2560, allocVcpus: 3);
        Assert.Null(_filter.Reject(Request(1, 512), host));
        Assert.True(_filter.Passes(Request(1, 512), host));
    }

    [Fact]
    public void Reject_NotEnoughMemory_ExplainsNeedFreeRatioAndReserve()
    {
        var host = Host("h1", allocMemory: 2816);
        Assert.Equal("memory: needs 512 MiB, free 256 MiB after overcommit 1.0 and 1024 MiB reserved", _filter.Reject(Request(1, 512), host));
        Assert.False(_filter.Passes(Request(1, 512), host));
    }

    [Fact]
    public void Reject_NotEnoughVcpus_ExplainsNeedAndFree()
    {
        var host = Host("h1", cpus: 2, cpuRatio: 2.0, allocVcpus: 3);
        Assert.Equal("vcpus: needs 2, free 1 of 2 CPUs after overcommit 2.0", _filter.Reject(Request(2, 64), host));
    }

    [Fact]
    public void Reject_BothShort_NamesBoth()
    {
        var reason = _filter.Reject(Request(8, 8192), Host("h1"));
        Assert.StartsWith("vcpus: needs 8, free 4", reason);
        Assert.Contains("; memory: needs 8192 MiB, free 3072 MiB", reason);
    }

    [Fact]
    public void Reject_CpuOvercommit_AllowsMoreVcpusThanCpus() =>
        Assert.Null(_filter.Reject(Request(12, 64), Host("h1", cpus: 4, cpuRatio: 4.0, allocVcpus: 4)));

    [Fact]
    public void Reject_MemoryOvercommit_AppliesAfterTheReserve()
    {
        // (4096 - 1024) × 1.5 = 4608 MiB for machines.
        var host = Host("h1", memRatio: 1.5, allocMemory: 4096);
        Assert.Null(_filter.Reject(Request(1, 512), host));
        Assert.Equal("memory: needs 1024 MiB, free 512 MiB after overcommit 1.5 and 1024 MiB reserved", _filter.Reject(Request(1, 1024), host));
    }

    [Fact]
    public void Reject_OverAllocatedHost_ReportsZeroFreeNotNegative() =>
        Assert.Contains("free 0 MiB", _filter.Reject(Request(1, 64), Host("h1", allocMemory: 5000)));
}

public sealed class LabelFilterTests
{
    private readonly LabelFilter _filter = new();

    [Fact]
    public void Reject_NoLabelsRequired_Passes() => Assert.Null(_filter.Reject(Request(), Host("h1")));

    [Fact]
    public void Reject_RequiredLabelsSubsetOfHosts_Passes()
    {
        var host = Host("h1", labels: ["ssd", "zone=a", "gpu"]);
        Assert.Null(_filter.Reject(Request(labels: ["zone=a", "ssd"]), host));
        Assert.True(_filter.Passes(Request(labels: ["zone=a", "ssd"]), host));
    }

    [Fact]
    public void Reject_MissingLabels_NamesThemSorted()
    {
        var host = Host("h1", labels: ["ssd"]);
        Assert.Equal("missing labels gpu, zone=a", _filter.Reject(Request(labels: ["zone=a", "ssd", "gpu"]), host));
        Assert.Equal("missing label zone=b", _filter.Reject(Request(labels: ["zone=b"]), host));
        Assert.False(_filter.Passes(Request(labels: ["zone=b"]), host));
    }
}
