using CloudPortal.Core.Hosts;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

public sealed class HostCapacityStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Insert_NewHost_HasMigrationDefaults()
    {
        var host = await _db.AddHostAsync();
        var stored = await new HostStore(_db.Database).GetAsync(host.Id, None);
        Assert.Equal((false, 4.0, 1.0, 256L), (stored!.Maintenance, stored.CpuOvercommit, stored.MemoryOvercommit, stored.ReservedMemoryMiB));
        Assert.Empty(stored.Labels);
    }

    [Fact]
    public async Task UpdateCapacity_AllFields_RoundTrip()
    {
        var host = await _db.AddHostAsync();
        var store = new HostStore(_db.Database);
        var capacity = new HostCapacity(true, 2.5, 1.25, 1024, ["ssd", "zone=a"]);

        Assert.True(await store.UpdateCapacityAsync(host.Id, capacity, None));

        var stored = await store.GetAsync(host.Id, None);
        Assert.Equal(capacity, HostCapacity.Of(stored!) with { Labels = capacity.Labels });
        Assert.Equal(["ssd", "zone=a"], stored!.Labels);
    }

    [Fact]
    public async Task UpdateCapacity_UnknownHost_ReturnsFalse() =>
        Assert.False(await new HostStore(_db.Database).UpdateCapacityAsync(Guid.NewGuid(), new HostCapacity(false, 1, 1, 0, []), None));
}
