using CloudPortal.Core.Common;
using CloudPortal.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Tests.Monitoring;

public sealed class MeasuredHostLoadTests
{
    private static readonly Guid HostId = Guid.NewGuid();

    private static (MetricSeries Series, MeasuredHostLoad Load) Create()
    {
        var series = new MetricSeries(Options.Create(new MonitoringOptions { Interval = TimeSpan.FromSeconds(2) }));
        return (series, new MeasuredHostLoad(series));
    }

    private static float[] HostValues(float cpuPercent, float usedMiB, float totalMiB)
    {
        var values = new float[MetricCatalog.H.Count];
        values[MetricCatalog.H.Cpu] = cpuPercent;
        values[MetricCatalog.H.MemoryUsed] = usedMiB;
        values[MetricCatalog.H.MemoryTotal] = totalMiB;
        return values;
    }

    [Fact]
    public void Get_FreshSample_GivesFractionsOfCpuAndMemory()
    {
        var (series, load) = Create();
        series.Host(HostId).Add(Clock.Now(), HostValues(25, 3072, 4096));

        var measured = load.Get(HostId);

        Assert.NotNull(measured);
        Assert.Equal(0.25, measured.CpuFraction, 3);
        Assert.Equal(0.75, measured.MemoryFraction, 3);
    }

    [Fact]
    public void Get_NeverSampledHost_IsNoMeasurement() => Assert.Null(Create().Load.Get(HostId));

    [Fact]
    public void Get_LatestIsAGap_IsNoMeasurement()
    {
        var (series, load) = Create();
        series.Host(HostId).Add(Clock.Now().AddSeconds(-2), HostValues(10, 1, 2));
        series.Host(HostId).AddGap(Clock.Now());
        Assert.Null(load.Get(HostId));
    }

    [Fact]
    public void Get_SampleOlderThanThreeIntervals_IsNoMeasurement()
    {
        var (series, load) = Create();
        series.Host(HostId).Add(Clock.Now().AddSeconds(-7), HostValues(10, 1, 2));
        Assert.Null(load.Get(HostId));
    }
}
