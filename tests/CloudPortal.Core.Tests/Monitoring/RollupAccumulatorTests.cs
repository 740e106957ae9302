using CloudPortal.Core.Monitoring;

namespace CloudPortal.Core.Tests.Monitoring;

public sealed class RollupAccumulatorTests
{
    private static readonly DateTimeOffset Hour = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 - 1_800_000_000 % 3600);
    private static readonly MetricDefinition[] Catalog = [new("cpu", "percent", ""), new("mem", "MiB", "")];

    [Fact]
    public void Add_SamplesOfOneMinute_EmitAvgAndMaxWhenTheNextMinuteStarts()
    {
        var id = Guid.NewGuid();
        var acc = new RollupAccumulator(MetricEntity.Machine, id, Catalog);
        var done = new List<MetricRollup>();
        acc.Add(Hour.AddSeconds(0), [10, 100], done);
        acc.Add(Hour.AddSeconds(20), [30, float.NaN], done);
        acc.Add(Hour.AddSeconds(40), [20, 300], done);
        Assert.Empty(done);

        acc.Add(Hour.AddSeconds(61), [50, 50], done);

        var cpu = Assert.Single(done, r => r.Metric == "cpu");
        Assert.Equal((60, Hour.ToUnixTimeSeconds(), 20.0, 30.0, 3), (cpu.ResolutionSeconds, cpu.BucketUnixSeconds, cpu.Average, cpu.Max, cpu.Samples));
        var mem = Assert.Single(done, r => r.Metric == "mem");
        Assert.Equal((200.0, 300.0, 2), (mem.Average, mem.Max, mem.Samples));
        Assert.All(done, r => Assert.Equal(id, r.EntityId));
    }

    [Fact]
    public void Add_NextHour_EmitsTheHourBucketOverAllItsMinutes()
    {
        var acc = new RollupAccumulator(MetricEntity.Host, Guid.NewGuid(), Catalog);
        var done = new List<MetricRollup>();
        for (int minute = 0; minute < 60; minute++)
            acc.Add(Hour.AddMinutes(minute), [minute, 1], done);
        Assert.DoesNotContain(done, r => r.ResolutionSeconds == 3600);

        acc.Add(Hour.AddHours(1), [0, 1], done);

        var hour = Assert.Single(done, r => r.ResolutionSeconds == 3600 && r.Metric == "cpu");
        Assert.Equal(29.5, hour.Average);
        Assert.Equal(59, hour.Max);
        Assert.Equal(60, hour.Samples);
        Assert.Equal(60, done.Count(r => r.ResolutionSeconds == 60 && r.Metric == "cpu"));
    }

    [Fact]
    public void Flush_OpenBuckets_AreHandedOutOnlyForMetricsWithValues()
    {
        var acc = new RollupAccumulator(MetricEntity.Machine, Guid.NewGuid(), Catalog);
        var done = new List<MetricRollup>();
        acc.Add(Hour, [float.NaN, 5], done);
        acc.Flush(done);
        Assert.Equal(["mem", "mem"], done.Select(r => r.Metric));
        Assert.Equal([60, 3600], done.Select(r => r.ResolutionSeconds));
    }
}
