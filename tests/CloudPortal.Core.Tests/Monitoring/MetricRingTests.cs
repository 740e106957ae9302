using CloudPortal.Core.Monitoring;

namespace CloudPortal.Core.Tests.Monitoring;

public sealed class MetricRingTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void Add_MoreThanCapacity_KeepsNewestInOrder()
    {
        var ring = new MetricRing(capacity: 3, width: 2);
        for (int i = 0; i < 5; i++)
            ring.Add(T0.AddSeconds(i), [i, i * 10]);

        var points = ring.Since(DateTimeOffset.MinValue);
        Assert.Equal([2f, 3f, 4f], points.Select(p => p.Values[0]));
        Assert.Equal([20f, 30f, 40f], points.Select(p => p.Values[1]));
        Assert.Equal(T0.AddSeconds(4), ring.Latest!.Time);
    }

    [Fact]
    public void Since_CutsOffOlderSamples()
    {
        var ring = new MetricRing(10, 1);
        for (int i = 0; i < 10; i++)
            ring.Add(T0.AddSeconds(i * 2), [i]);
        Assert.Equal([7f, 8f, 9f], ring.Since(T0.AddSeconds(13)).Select(p => p.Values[0]));
    }

    [Fact]
    public void AddGap_RepeatedFailures_LeaveOneMarkerOfNaN()
    {
        var ring = new MetricRing(10, 2);
        ring.Add(T0, [1, 2]);
        ring.AddGap(T0.AddSeconds(2));
        ring.AddGap(T0.AddSeconds(4));
        ring.Add(T0.AddSeconds(6), [3, 4]);

        var points = ring.Since(DateTimeOffset.MinValue);
        Assert.Equal([false, true, false], points.Select(p => p.Gap));
        Assert.All(points[1].Values, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Add_WrongWidth_Throws()
    {
        var ring = new MetricRing(2, 3);
        Assert.Throws<ArgumentException>(() => ring.Add(T0, [1f]));
    }

    [Fact]
    public void FromRing_GapAndMissingValues_BecomeNullPointsAndOmissions()
    {
        var ring = new MetricRing(10, 2);
        ring.Add(T0, [5, float.NaN]);
        ring.AddGap(T0.AddSeconds(2));
        ring.Add(T0.AddSeconds(4), [7, 1]);
        var catalog = new[] { new MetricDefinition("a", "u", ""), new MetricDefinition("b", "u", "") };

        var series = MetricsQuery.FromRing(catalog, ring, DateTimeOffset.MinValue);

        Assert.Equal([(T0.ToUnixTimeSeconds(), 5.0), (T0.ToUnixTimeSeconds() + 2, null), (T0.ToUnixTimeSeconds() + 4, 7.0)],
            series[0].Points.Select(p => (p.UnixSeconds, p.Value)));
        Assert.Equal(2, series[1].Points.Count);
        Assert.Null(series[1].Points[0].Value);
    }
}

public sealed class MetricSeriesTests
{
    [Fact]
    public void RemoveMachine_DropsItsRingAndMarksItRemoved()
    {
        var series = new MetricSeries(Microsoft.Extensions.Options.Options.Create(new MonitoringOptions()));
        var id = Guid.NewGuid();
        series.Machine(id).Add(DateTimeOffset.UtcNow, new float[MetricCatalog.M.Count]);
        series.SetOwner(id, Guid.NewGuid(), Guid.NewGuid());
        Assert.Single(series.LatestMachines());

        series.RemoveMachine(id);

        Assert.Null(series.FindMachine(id));
        Assert.True(series.IsRemoved(id));
        Assert.Empty(series.LatestMachines());
    }

    [Fact]
    public void RingCapacity_OneHourAtTwoSeconds_Holds1800SamplesPlusSlack()
    {
        Assert.Equal(1802, new MonitoringOptions().RingCapacity);
        Assert.Throws<InvalidOperationException>(() => new MonitoringOptions { Interval = TimeSpan.FromMilliseconds(500) }.Validate());
    }
}
