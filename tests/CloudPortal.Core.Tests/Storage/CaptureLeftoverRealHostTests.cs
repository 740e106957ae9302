using CloudPortal.Core.Images;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Storage;
using CloudPortal.Data;
using CloudPortal.Data.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>
/// Capture copies (capture-&lt;operation&gt;.qcow2) left in a host's pool by a portal that died mid-capture are collected
/// by the leftover-disk collector when the host (re)connects; a capture still at work keeps its copy. Real
/// qemu:///system pool (cpz- prefix), real SQLite journal, the portal's own operation executor.
/// </summary>
[Trait("Category", "RealHost")]
public sealed class CaptureLeftoverRealHostTests : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "cpz-db-" + Guid.NewGuid().ToString("N"));
    private readonly OperationExecutor _executor = new(NullLogger<OperationExecutor>.Instance);
    private RealHostPool _host = null!;
    private MachineStore _machines = null!;

    public async Task InitializeAsync()
    {
        _host = await RealHostPool.StartAsync("cpz-core-");
        var database = new SqliteDatabase(Path.Combine(_dataDirectory, "cloudportal.db"));
        DatabaseMigrator.Migrate(database);
        _machines = new MachineStore(database);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _executor.DisposeAsync();
            await _host.DisposeAsync();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private OrphanDiskCollector Collector(MachineDisks disks) =>
        new(_host.Connections, disks, _machines, _executor, NullLogger<OrphanDiskCollector>.Instance);

    [Fact]
    public async Task CollectAsync_CaptureCopyOfNoRunningCapture_RemovedOnceOldEnoughWhileARunningCaptureKeepsItsCopy()
    {
        var crashed = MachineCapture.CaptureVolumeName(Guid.NewGuid());
        var runningId = Guid.NewGuid();
        var running = MachineCapture.CaptureVolumeName(runningId);
        // A volume of someone else in the pool, named like a capture but not one: never the collector's business.
        const string lookalike = "capture-of-something.qcow2";
        var disks = _host.Disks(TimeSpan.Zero);
        foreach (var name in new[] { crashed, running, lookalike })
            await disks.CreateDataVolumeAsync(_host.HostId, name, 1L << 20, None);
        var release = new TaskCompletionSource();
        _executor.Start(runningId, ct => release.Task.WaitAsync(ct));

        // Younger than the age guard: left alone, as a capture whose portal is elsewhere may still be making it.
        Assert.Empty(await Collector(_host.Disks(TimeSpan.FromMinutes(10))).CollectAsync(_host.HostId, None));
        Assert.Equal(new[] { crashed, running, lookalike }.Order(StringComparer.Ordinal), _host.VolumeNames());

        Assert.Equal([crashed], await Collector(disks).CollectAsync(_host.HostId, None));
        Assert.Equal(new[] { lookalike, running }.Order(StringComparer.Ordinal), _host.VolumeNames());

        // The capture ends without removing its copy (its host dropped at that moment): the next collection takes it.
        release.SetResult();
        await _executor.DrainAsync();
        Assert.Equal([running], await Collector(disks).CollectAsync(_host.HostId, None));
        Assert.Equal([lookalike], _host.VolumeNames());
    }

    [Theory]
    [InlineData("capture-0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.qcow2", true)]
    [InlineData("capture-0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.img", false)]
    [InlineData("capture-0b6f1c1e5a3e4a439d558c8f7f0e2a11.qcow2", false)]
    [InlineData("0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.qcow2", false)]
    [InlineData("vol-capture-0b6f1c1e-5a3e-4a43-9d55-8c8f7f0e2a11.qcow2", false)]
    public void CaptureOfVolume_VolumeName_OnlyCaptureCopiesNameTheirOperation(string name, bool capture)
    {
        Assert.Equal(capture, MachineDisks.CaptureOfVolume(name) is not null);
    }
}
