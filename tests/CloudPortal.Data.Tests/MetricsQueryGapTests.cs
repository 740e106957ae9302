using CloudPortal.Core.Monitoring;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

public sealed class MetricsQueryGapTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task FromRollups_StoredRollupsWithAHole_PutsOneNullPointInTheHoleOnly()
    {
        var store = new MetricRollupStore(_db.Database);
        var id = Guid.NewGuid();
        const long t = 1_800_000_000 / 60 * 60;
        // Minutes 0, 1, then an outage (minutes 2-4 never written), then 5 and 6.
        await store.WriteAsync(
        [
            new(MetricEntity.Host, id, "cpu", 60, t, 10, 20, 12),
            new(MetricEntity.Host, id, "cpu", 60, t + 60, 11, 21, 12),
            new(MetricEntity.Host, id, "cpu", 60, t + 300, 15, 25, 12),
            new(MetricEntity.Host, id, "cpu", 60, t + 360, 16, 26, 12),
        ], None);

        var rows = await store.ReadAsync(id, 60, t - 600, t + 600, None);
        var series = MetricsQuery.FromRollups(MetricCatalog.Host, rows, 60);

        var cpu = series.Single(s => s.Name == "cpu");
        Assert.Equal(
            [(t, 10.0), (t + 60, 11.0), (t + 120, null), (t + 300, 15.0), (t + 360, 16.0)],
            cpu.Points.Select(p => (p.UnixSeconds, p.Value)).ToArray());
        var max = series.Single(s => s.Name == "cpu.max");
        Assert.Equal([20.0, 21.0, null, 25.0, 26.0], max.Points.Select(p => p.Value).ToArray());
        // A metric with no buckets at all stays empty: nothing to draw, no invented null.
        Assert.Empty(series.Single(s => s.Name == "memory.used").Points);
    }

    [Fact]
    public async Task FromRollups_ConsecutiveHourBuckets_HaveNoNullPoint()
    {
        var store = new MetricRollupStore(_db.Database);
        var id = Guid.NewGuid();
        const long t = 1_800_000_000 / 3600 * 3600;
        await store.WriteAsync(
        [
            new(MetricEntity.Machine, id, "cpu", 3600, t, 1, 2, 60),
            new(MetricEntity.Machine, id, "cpu", 3600, t + 3600, 3, 4, 60),
        ], None);

        var rows = await store.ReadAsync(id, 3600, t, t + 7200, None);
        var cpu = MetricsQuery.FromRollups(MetricCatalog.Machine, rows, 3600).Single(s => s.Name == "cpu");

        Assert.Equal([1.0, 3.0], cpu.Points.Select(p => p.Value).ToArray());
    }
}
