using CloudPortal.Core.Monitoring;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

public sealed class MetricRollupStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task WriteAsync_ThenReadAsync_ReturnsTheResolutionAndRangeAsked()
    {
        var store = new MetricRollupStore(_db.Database);
        var id = Guid.NewGuid();
        await store.WriteAsync(
        [
            new(MetricEntity.Machine, id, "cpu", 60, 1_000_020, 12.5, 40, 30),
            new(MetricEntity.Machine, id, "cpu", 60, 1_000_080, 20, 25, 30),
            new(MetricEntity.Machine, id, "cpu", 3600, 997_200, 15, 40, 1800),
            new(MetricEntity.Machine, Guid.NewGuid(), "cpu", 60, 1_000_020, 99, 99, 30),
        ], None);

        var minutes = await store.ReadAsync(id, 60, 1_000_000, 1_000_080, None);

        var only = Assert.Single(minutes);
        Assert.Equal((12.5, 40.0, 30, MetricEntity.Machine), (only.Average, only.Max, only.Samples, only.Entity));
    }

    [Fact]
    public async Task WriteAsync_SameBucketAgain_ReplacesIt()
    {
        var store = new MetricRollupStore(_db.Database);
        var id = Guid.NewGuid();
        await store.WriteAsync([new(MetricEntity.Host, id, "cpu", 60, 600, 1, 1, 1)], None);
        await store.WriteAsync([new(MetricEntity.Host, id, "cpu", 60, 600, 3, 5, 2)], None);
        var row = Assert.Single(await store.ReadAsync(id, 60, 0, 10_000, None));
        Assert.Equal((3.0, 5.0, 2, MetricEntity.Host), (row.Average, row.Max, row.Samples, row.Entity));
    }

    [Fact]
    public async Task PruneAsync_DropsMinutesAfter7DaysAndHoursAfterAYear()
    {
        var store = new MetricRollupStore(_db.Database);
        var id = Guid.NewGuid();
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        long S(TimeSpan ago) => (now - ago).ToUnixTimeSeconds();
        await store.WriteAsync(
        [
            new(MetricEntity.Host, id, "cpu", 60, S(TimeSpan.FromDays(8)), 1, 1, 1),
            new(MetricEntity.Host, id, "cpu", 60, S(TimeSpan.FromDays(6)), 1, 1, 1),
            new(MetricEntity.Host, id, "cpu", 3600, S(TimeSpan.FromDays(366)), 1, 1, 1),
            new(MetricEntity.Host, id, "cpu", 3600, S(TimeSpan.FromDays(300)), 1, 1, 1),
        ], None);

        Assert.Equal(2, await store.PruneAsync(now, None));
        Assert.Single(await store.ReadAsync(id, 60, 0, long.MaxValue, None));
        Assert.Single(await store.ReadAsync(id, 3600, 0, long.MaxValue, None));
    }
}
