using CloudPortal.Core.Monitoring;
using H = CloudPortal.Core.Monitoring.MetricCatalog.H;
using M = CloudPortal.Core.Monitoring.MetricCatalog.M;

namespace CloudPortal.Core.Tests.Monitoring;

public sealed class HostIoSumTests
{
    private static float[] Domain(float read, float write, float rx, float tx)
    {
        var values = Enumerable.Repeat(float.NaN, M.Count).ToArray();
        (values[M.DiskRead], values[M.DiskWrite], values[M.NetRx], values[M.NetTx]) = (read, write, rx, tx);
        return values;
    }

    private static float[] Host() => Enumerable.Repeat(float.NaN, H.Count).ToArray();

    [Fact]
    public void SumMachineIo_DomainWithoutRate_SumsTheOthersOnly()
    {
        var host = Host();
        RateMath.SumMachineIo(host, [Domain(100, 10, 1, 2), Domain(float.NaN, float.NaN, float.NaN, float.NaN), Domain(50, 5, 3, float.NaN)]);
        Assert.Equal([150f, 15f, 4f, 2f], [host[H.DiskRead], host[H.DiskWrite], host[H.NetRx], host[H.NetTx]]);
    }

    [Fact]
    public void SumMachineIo_NoDomainHasARate_IsNaNNotZero()
    {
        var host = Host();
        RateMath.SumMachineIo(host, [Domain(float.NaN, float.NaN, float.NaN, float.NaN)]);
        Assert.All([host[H.DiskRead], host[H.DiskWrite], host[H.NetRx], host[H.NetTx]], v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void SumMachineIo_NoDomains_IsZero()
    {
        var host = Host();
        RateMath.SumMachineIo(host, []);
        Assert.Equal([0f, 0f, 0f, 0f], [host[H.DiskRead], host[H.DiskWrite], host[H.NetRx], host[H.NetTx]]);
    }

    [Fact]
    public void FromRing_HostSampleFailedBetweenSums_IsANullPointNotZero()
    {
        var t0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var ring = new MetricRing(10, H.Count);
        var first = Host();
        RateMath.SumMachineIo(first, [Domain(100, 10, 1, 2), Domain(20, 2, 3, 4)]);
        ring.Add(t0, first);
        ring.AddGap(t0.AddSeconds(2));
        var third = Host();
        RateMath.SumMachineIo(third, [Domain(7, 1, 1, 1)]);
        ring.Add(t0.AddSeconds(4), third);

        var series = MetricsQuery.FromRing(MetricCatalog.Host, ring, DateTimeOffset.MinValue);

        Assert.Equal([120.0, null, 7.0], series.Single(s => s.Name == "disk.read").Points.Select(p => p.Value));
        Assert.Equal([6.0, null, 1.0], series.Single(s => s.Name == "net.tx").Points.Select(p => p.Value));
    }
}
