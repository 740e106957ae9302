using CloudPortal.Core.Monitoring;
using LibvirtSharp;
using M = CloudPortal.Core.Monitoring.MetricCatalog.M;
using H = CloudPortal.Core.Monitoring.MetricCatalog.H;

namespace CloudPortal.Core.Tests.Monitoring;

public sealed class RateMathTests
{
    private static DomainCounters Counters(ulong cpuNs, uint vcpus = 2, ulong rd = 0, ulong wr = 0, ulong rdReq = 0, ulong wrReq = 0,
        ulong rx = 0, ulong tx = 0) =>
        new(DomainState.Running, cpuNs, vcpus, 262_144, 131_072, rd, wr, rdReq, wrReq, rx, tx);

    [Fact]
    public void Machine_HalfOfTwoVcpusForTwoSeconds_Is50Percent()
    {
        // 2 s on 2 vCPUs is 4 s of CPU available; 2 s used is half.
        var values = RateMath.Machine(Counters(10_000_000_000), Counters(12_000_000_000), TimeSpan.FromSeconds(2));
        Assert.Equal(50f, values[M.Cpu], 3);
    }

    [Fact]
    public void Machine_ByteAndRequestCounters_BecomePerSecondRates()
    {
        var values = RateMath.Machine(Counters(0, rd: 1000, wr: 0, rdReq: 10, wrReq: 4, rx: 500, tx: 100),
            Counters(0, rd: 5000, wr: 8192, rdReq: 30, wrReq: 8, rx: 2500, tx: 100), TimeSpan.FromSeconds(2));
        Assert.Equal(2000f, values[M.DiskRead]);
        Assert.Equal(4096f, values[M.DiskWrite]);
        Assert.Equal(10f, values[M.DiskReadIops]);
        Assert.Equal(2f, values[M.DiskWriteIops]);
        Assert.Equal(1000f, values[M.NetRx]);
        Assert.Equal(0f, values[M.NetTx]);
    }

    [Fact]
    public void Machine_CountersWentBackwards_GiveNoRateNotNegative()
    {
        // The guest rebooted between the samples: cumulative counters restarted from zero.
        var values = RateMath.Machine(Counters(90_000_000_000, rd: 1_000_000, rx: 70_000), Counters(1_000_000, rd: 512, rx: 10), TimeSpan.FromSeconds(2));
        Assert.True(float.IsNaN(values[M.Cpu]));
        Assert.True(float.IsNaN(values[M.DiskRead]));
        Assert.True(float.IsNaN(values[M.NetRx]));
        Assert.All(values, v => Assert.False(v < 0));
        // Gauges do not depend on the previous sample.
        Assert.Equal(128f, values[M.MemoryUsed]);
        Assert.Equal(256f, values[M.MemoryAllocated]);
    }

    [Fact]
    public void Machine_FirstSample_HasGaugesButNoRates()
    {
        var values = RateMath.Machine(null, Counters(5_000_000_000, rd: 100), TimeSpan.Zero);
        Assert.True(float.IsNaN(values[M.Cpu]));
        Assert.True(float.IsNaN(values[M.DiskRead]));
        Assert.Equal(256f, values[M.MemoryAllocated]);
    }

    [Fact]
    public void Machine_MoreCpuThanWallClock_IsCappedAt100()
    {
        // Emulator threads are counted in cpu.time, so a busy guest can report a little over its vCPUs.
        var values = RateMath.Machine(Counters(0, vcpus: 1), Counters(2_100_000_000, vcpus: 1), TimeSpan.FromSeconds(2));
        Assert.Equal(100f, values[M.Cpu]);
    }

    [Fact]
    public void Host_BusyOverTotalTimes_IsCpuPercent()
    {
        var previous = new HostCounters(1_000, 10_000, 8_388_608, 4_194_304);
        var current = new HostCounters(4_000, 16_000, 8_388_608, 2_097_152);
        var values = RateMath.Host(previous, current);
        Assert.Equal(50f, values[H.Cpu]);
        Assert.Equal(8192f, values[H.MemoryTotal]);
        Assert.Equal(2048f, values[H.MemoryUsed]);
    }

    [Fact]
    public void Host_CountersReset_GiveNoCpu()
    {
        var values = RateMath.Host(new HostCounters(9_000, 90_000, null, null), new HostCounters(10, 100, null, null));
        Assert.True(float.IsNaN(values[H.Cpu]));
        Assert.True(float.IsNaN(values[H.MemoryTotal]));
    }

    [Fact]
    public void HostCounters_FromLinuxFields_CountKernelAndUserAsBusy()
    {
        var cpu = new NodeCpuStats(new Dictionary<string, ulong> { ["kernel"] = 100, ["user"] = 300, ["idle"] = 500, ["iowait"] = 100 });
        var memory = new NodeMemoryStats(new Dictionary<string, ulong> { ["total"] = 1000, ["free"] = 200, ["buffers"] = 100, ["cached"] = 300 });
        var counters = HostCounters.From(cpu, memory);
        Assert.Equal(400UL, counters.CpuBusyNs);
        Assert.Equal(1000UL, counters.CpuTotalNs);
        Assert.Equal(400UL, counters.MemoryUsedKiB);
    }
}
