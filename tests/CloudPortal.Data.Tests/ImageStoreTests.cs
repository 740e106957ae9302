using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Core.Quotas;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

public sealed class ImageStoreTests : IAsyncLifetime
{
    private const long GiB = 1024L * 1024 * 1024;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();
    private ImageStore _store = null!;
    private QuotaStore _quotas = null!;
    private User _owner = null!;

    public async Task InitializeAsync()
    {
        _store = new ImageStore(_db.Database);
        _quotas = new QuotaStore(_db.Database);
        _owner = await _db.AddUserAsync(DefaultTenant.Id);
    }

    public Task DisposeAsync()
    {
        _db.Dispose();
        return Task.CompletedTask;
    }

    private static string Sha(char c) => new(c, 64);

    private Image NewImage(string name, string sha256, long sizeBytes = 1000, Guid? tenant = null, ImageVisibility visibility = ImageVisibility.Private,
        DateTimeOffset? at = null) => new()
    {
        Id = Guid.NewGuid(),
        TenantId = tenant ?? DefaultTenant.Id,
        OwnerId = _owner.Id,
        Name = name,
        Visibility = visibility,
        Sha256 = sha256,
        Format = ImageFormat.Qcow2,
        VirtualSizeBytes = 16 * 1024 * 1024,
        SizeBytes = sizeBytes,
        CreatedAt = at ?? Clock.Now(),
        UpdatedAt = at ?? Clock.Now(),
    };

    private async Task<Image> InsertAsync(Image image)
    {
        var reservation = Guid.NewGuid();
        await _store.ReserveUploadAsync(reservation, image.TenantId, image.SizeBytes, None);
        await _store.InsertAsync(image, reservation, None);
        return image;
    }

    [Fact]
    public async Task Insert_ChargesOneImageAndWholeGiB_ReleasesTheReservation_RecomputeFindsNoDrift()
    {
        await InsertAsync(NewImage("a", Sha('a'), sizeBytes: GiB + 1));
        await InsertAsync(NewImage("b", Sha('b'), sizeBytes: 10));

        var view = await _quotas.GetViewAsync(DefaultTenant.Id, None);
        Assert.Equal(2, view.Usage.Images);
        Assert.Equal(3, view.Usage.DiskGiB);
        Assert.Equal(QuotaAmounts.Zero, view.Reserved);
        Assert.Empty(await _quotas.RecomputeAsync(DefaultTenant.Id, fix: false, None));
    }

    [Fact]
    public async Task Delete_Uncharges_ReturnsHowManyImagesStillNameTheContent()
    {
        var first = await InsertAsync(NewImage("one", Sha('c')));
        var second = await InsertAsync(NewImage("two", Sha('c')));
        Assert.Equal(2, await _store.CountByContentAsync(Sha('c'), None));

        Assert.Equal(1, await _store.DeleteAsync(first, None));
        Assert.Equal(0, await _store.DeleteAsync(second, None));
        var view = await _quotas.GetViewAsync(DefaultTenant.Id, None);
        Assert.Equal(0, view.Usage.Images);
        Assert.Equal(0, view.Usage.DiskGiB);
        Assert.Empty(await _quotas.RecomputeAsync(DefaultTenant.Id, fix: false, None));
    }

    [Fact]
    public async Task ReserveUpload_OverDiskQuota_ThrowsAndReservesNothing()
    {
        var tenant = await _db.AddTenantAsync("t-" + Guid.NewGuid().ToString("N")[..8]);
        await _quotas.SetTenantLimitsAsync(tenant, new QuotaLimits { DiskGiB = 2 }, new Caller(_owner.Id, "admin", tenant, Roles.Admin), None);
        Assert.Equal(2 * GiB, await _store.ReserveUploadAsync(Guid.NewGuid(), tenant, GiB, None));

        var refused = await Assert.ThrowsAsync<QuotaExceededException>(() => _store.ReserveUploadAsync(Guid.NewGuid(), tenant, 2 * GiB, None));
        Assert.Contains("disk: limit 2 GiB, used 1 GiB, requested 2 GiB", refused.Violations);
        Assert.Equal(1, (await _quotas.GetViewAsync(tenant, None)).Reserved.DiskGiB);
        Assert.Equal(1, await _store.ReleaseAllUploadReservationsAsync(None));
        Assert.Equal(0, (await _quotas.GetViewAsync(tenant, None)).Reserved.DiskGiB);
    }

    [Fact]
    public async Task Insert_DuplicateNameInTenant_Conflict()
    {
        await InsertAsync(NewImage("same", Sha('d')));
        await Assert.ThrowsAsync<ConflictException>(() => InsertAsync(NewImage("same", Sha('e'))));
        Assert.Equal(1, (await _quotas.GetViewAsync(DefaultTenant.Id, None)).Usage.Images);
    }

    [Fact]
    public async Task ListVisible_PublicAndOwnPrivate_NewestFirstByCursor()
    {
        var other = await _db.AddTenantAsync("o-" + Guid.NewGuid().ToString("N")[..8]);
        var t0 = Clock.Now();
        var mine = await InsertAsync(NewImage("mine", Sha('1'), at: t0));
        var theirs = await InsertAsync(NewImage("theirs", Sha('2'), tenant: other, at: t0.AddSeconds(1)));
        var shared = await InsertAsync(NewImage("shared", Sha('3'), tenant: other, visibility: ImageVisibility.Public, at: t0.AddSeconds(2)));

        var first = await _store.ListVisibleAsync(DefaultTenant.Id, new PageRequest(1, null), None);
        Assert.Equal([shared.Id], first.Items.Select(i => i.Id));
        var second = await _store.ListVisibleAsync(DefaultTenant.Id, new PageRequest(1, first.Next), None);
        Assert.Equal([mine.Id], second.Items.Select(i => i.Id));
        Assert.Null(second.Next);
        var theirView = await _store.ListVisibleAsync(other, new PageRequest(10, null), None);
        Assert.Equal([shared.Id, theirs.Id], theirView.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Summary_CountsLogicalBytesPerImageAndStoredBytesPerContent()
    {
        await InsertAsync(NewImage("x1", Sha('f'), sizeBytes: 5000));
        await InsertAsync(NewImage("x2", Sha('f'), sizeBytes: 5000));
        await InsertAsync(NewImage("y", Sha('9'), sizeBytes: 700));
        var summary = await _store.SummaryAsync(null, None);
        Assert.Equal(new ImageStorageSummary(3, 2, 10_700, 5_700), summary);
        Assert.Equal(5000, summary.SavedBytes);
    }

    [Fact]
    public async Task Delete_ImageUsedByMachine_ConflictNamingIt_TenantWithImages_CannotBeDeleted()
    {
        var image = await InsertAsync(NewImage("used", Sha('7')));
        var host = await _db.AddHostAsync();
        var machine = TempDatabase.NewMachine("vm-from-image", DefaultTenant.Id, _owner.Id, host.Id);
        await new MachineStore(_db.Database).InsertWithOperationAsync(machine, TempDatabase.NewOperation(machine), None);
        await _db.ExecuteAsync("UPDATE machines SET image_id = @image WHERE id = @id", new { image = image.Id, id = machine.Id });

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _store.DeleteAsync(image, None));
        Assert.Contains("vm-from-image", refused.Message);
        Assert.Equal(1, await _store.CountByContentAsync(Sha('7'), None));

        var tenant = await _db.AddTenantAsync("i-" + Guid.NewGuid().ToString("N")[..8]);
        await InsertAsync(NewImage("kept", Sha('8'), tenant: tenant));
        var tenantRefused = await Assert.ThrowsAsync<ConflictException>(() => new TenantStore(_db.Database).DeleteAsync(tenant, None));
        Assert.Contains("kept", tenantRefused.Message);
    }
}
