using CloudPortal.Core.Alerts;
using CloudPortal.Core.Monitoring;
using LibvirtSharp;

namespace CloudPortal.Core.Tests.Alerts;

public sealed class AlertConditionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    private static AlertCondition Cpu(string comparison = ">", double threshold = 90, int seconds = 300) => new(new AlertRule
    {
        Id = Guid.NewGuid(), Name = "cpu", Scope = AlertScopes.Tenant, Metric = "cpu", Comparison = comparison, Threshold = threshold,
        DurationSeconds = seconds,
    });

    private static Alert Open(AlertCondition condition, DateTimeOffset at) => new()
    {
        Id = Guid.NewGuid(), RuleId = condition.Rule.Id, RuleName = "cpu", SubjectKind = "machine", SubjectName = "m", Metric = "cpu",
        Comparison = ">", State = AlertStates.Firing, FiredAt = at,
    };

    [Fact]
    public void Observe_BreachHeldForTheDuration_FiresOnceAtTheEnd()
    {
        var condition = Cpu(seconds: 300);
        for (var s = 0; s < 300; s += 2)
            Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(s), 95));

        Assert.Equal(AlertTransition.Fired, condition.Observe(T0.AddSeconds(300), 96));
        condition.MarkFired(Open(condition, T0.AddSeconds(300)));
        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(302), 97));
        // The latest breaching value, shown while the alert fires.
        Assert.Equal(97, condition.LastValue!.Value, 3);
    }

    [Fact]
    public void Observe_OneGoodSampleBeforeTheDuration_StartsTheWaitAgain()
    {
        var condition = Cpu(seconds: 10);
        condition.Observe(T0, 95);
        condition.Observe(T0.AddSeconds(8), 50);

        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(12), 95));
        Assert.Equal(AlertTransition.Fired, condition.Observe(T0.AddSeconds(22), 95));
    }

    [Fact]
    public void Observe_ZeroDuration_FiresOnTheFirstBreach()
    {
        Assert.Equal(AlertTransition.Fired, Cpu(seconds: 0).Observe(T0, 91));
    }

    [Fact]
    public void Observe_GapWhileBreaching_NeitherCountsNorResets()
    {
        var condition = Cpu(seconds: 10);
        condition.Observe(T0, 95);
        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(5), null));
        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(7), double.NaN));
        // The breach began at T0 and no good sample came since: 10 s have passed.
        Assert.Equal(AlertTransition.Fired, condition.Observe(T0.AddSeconds(10), 95));
    }

    [Fact]
    public void Observe_GapWhileFiring_DoesNotResolve()
    {
        var condition = Cpu(seconds: 0);
        condition.Observe(T0, 95);
        condition.MarkFired(Open(condition, T0));

        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(2), null));
        Assert.True(condition.Firing);
        Assert.Equal(AlertTransition.Resolved, condition.Observe(T0.AddSeconds(4), 10));
    }

    [Fact]
    public void Observe_BelowRule_FiresUnderTheThreshold()
    {
        var condition = Cpu("<", 5, 0);
        Assert.Equal(AlertTransition.None, condition.Observe(T0, 5));
        Assert.Equal(AlertTransition.Fired, condition.Observe(T0.AddSeconds(1), 4.9));
    }

    [Fact]
    public void Restore_FiringBeforeARestart_ResolvesOnTheFirstGoodSample()
    {
        var condition = Cpu();
        condition.Restore(Open(condition, T0), T0.AddMinutes(5));

        Assert.True(condition.Firing);
        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddMinutes(5), 99));
        Assert.Equal(AlertTransition.Resolved, condition.Observe(T0.AddMinutes(6), 1));
        condition.MarkResolved();
        Assert.False(condition.Firing);
    }

    [Fact]
    public void Update_ThresholdRaisedWhileFiring_ResolvesOnTheNextSample()
    {
        var condition = Cpu(seconds: 0);
        condition.Observe(T0, 95);
        condition.MarkFired(Open(condition, T0));

        condition.Update(condition.Rule with { Threshold = 99 });

        Assert.Equal(AlertTransition.Resolved, condition.Observe(T0.AddSeconds(2), 95));
    }

    private static DomainCounters Counters(ulong cpuNs, ulong rxBytes) =>
        new(DomainState.Running, cpuNs, 1, 1024 * 1024, 512 * 1024, 0, 0, 0, 0, rxBytes, 0);

    /// <summary>The value the collector would record for a metric between two readings, as a rule sees it.</summary>
    private static double? Sampled(DomainCounters previous, DomainCounters current, int metric)
    {
        var value = RateMath.Machine(previous, current, TimeSpan.FromSeconds(2))[metric];
        return float.IsNaN(value) ? null : value;
    }

    private static AlertCondition NetRx(int seconds) => new(new AlertRule
    {
        Id = Guid.NewGuid(), Name = "rx", Scope = AlertScopes.Tenant, Metric = "net.rx", Comparison = ">", Threshold = 1000,
        DurationSeconds = seconds,
    });

    [Fact]
    public void Observe_CounterResetWhileBreaching_IsAGapNotAHugeRateNorAnEnd()
    {
        var condition = NetRx(seconds: 6);
        var before = Counters(0, 1_000_000);
        var busy = Counters(0, 1_010_000);           // 5,000 bytes/s: breaching
        var rebooted = Counters(0, 2_000);            // the guest rebooted: the counter went back

        Assert.Equal(AlertTransition.None, condition.Observe(T0, Sampled(before, busy, MetricCatalog.M.NetRx)));
        Assert.Null(Sampled(busy, rebooted, MetricCatalog.M.NetRx));
        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(2), Sampled(busy, rebooted, MetricCatalog.M.NetRx)));
        // The breach that began at T0 still runs: the reset neither restarted nor ended it.
        Assert.Equal(T0, condition.BreachingSince);
        var busyAgain = Counters(0, 22_000);
        Assert.Equal(AlertTransition.Fired, condition.Observe(T0.AddSeconds(6), Sampled(rebooted, busyAgain, MetricCatalog.M.NetRx)));
    }

    [Fact]
    public void Observe_CpuCounterResetWhileFiring_DoesNotResolve()
    {
        var condition = Cpu(seconds: 0);
        var first = Counters(10_000_000_000, 0);
        var busy = Counters(11_960_000_000, 0);       // 1.96 s of CPU in 2 s on 1 vCPU: 98 %
        Assert.Equal(AlertTransition.Fired, condition.Observe(T0, Sampled(first, busy, MetricCatalog.M.Cpu)));
        condition.MarkFired(Open(condition, T0));

        var restarted = Counters(100_000_000, 0);     // the domain was restarted: cpu.time starts again
        Assert.Equal(AlertTransition.None, condition.Observe(T0.AddSeconds(2), Sampled(busy, restarted, MetricCatalog.M.Cpu)));
        Assert.True(condition.Firing);

        var idle = Counters(200_000_000, 0);          // 5 %
        Assert.Equal(AlertTransition.Resolved, condition.Observe(T0.AddSeconds(4), Sampled(restarted, idle, MetricCatalog.M.Cpu)));
    }
}
