using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Tests.Integration;
using CloudPortal.Data.Stores;
using LibvirtSharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using M = CloudPortal.Core.Monitoring.MetricCatalog.M;
using H = CloudPortal.Core.Monitoring.MetricCatalog.H;

namespace CloudPortal.Core.Tests.Monitoring;

/// <summary>Removes cpm- domains left by an interrupted earlier run of the monitoring tests.</summary>
public sealed class MonitoringSweepFixture
{
    public const string Prefix = "cpm-";

    public MonitoringSweepFixture()
    {
        using var connection = Connection.Open(RealHostSweepFixture.Uri);
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                if (domain.Name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    try { DomainRemoval.Remove(connection, domain.Uuid); } catch (LibvirtException) { }
                }
            }
        }
    }
}

/// <summary>The collector against the real qemu:///system with a real cpm- guest, and against a host that never answers.</summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class CollectorRealHostTests : IClassFixture<MonitoringSweepFixture>, IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PortalHarness _portal = new();
    private readonly MetricSeries _series;
    private readonly MetricRollupStore _rollups;
    private readonly MetricsCollector _collector;

    public CollectorRealHostTests(RealHostSweepFixture sweep, MonitoringSweepFixture monitoringSweep)
    {
        Assert.NotNull(sweep);
        Assert.NotNull(monitoringSweep);
        var options = Options.Create(new MonitoringOptions { Interval = TimeSpan.FromSeconds(1), FlushInterval = TimeSpan.FromSeconds(2) });
        _series = new MetricSeries(options);
        _rollups = new MetricRollupStore(_portal.Database);
        _collector = new MetricsCollector(_portal.Connections, _portal.Machines, _rollups, _series, options, NullLogger<MetricsCollector>.Instance);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try { await _collector.StopAsync(None); } catch (Exception) { }
        _collector.Dispose();
        await _portal.DisposeAsync();
    }

    private static async Task<T> PollAsync<T>(Func<T?> probe, TimeSpan timeout, string what) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found)
                return found;
            await Task.Delay(250);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }

    [Fact]
    public async Task Collector_RunningGuest_RecordsRatesSurvivesRestartAndWritesRollups()
    {
        // Registered here rather than through the harness: under a loaded machine the KVM probe alone can take longer
        // than the harness' 20 s.
        var admin = await _portal.AddCallerAsync(Roles.Admin);
        var host = (await _portal.HostService.AddAsync(admin, null, RealHostSweepFixture.Uri, None)).Host;
        Assert.True(await _portal.Connections.WaitConnectedAsync(host.Id, TimeSpan.FromSeconds(400), None),
            $"qemu:///system did not connect: {_portal.Connections.GetStatus(host.Id).LastError}");
        _portal.UseHost(host);
        var member = await _portal.AddCallerAsync(Roles.Member);
        var (created, operation) = await _portal.CreateAsync(member, new MachineRequest(MonitoringSweepFixture.Prefix + Guid.NewGuid().ToString("N")[..8], 1, 64));
        Assert.Equal(OperationState.Succeeded, (await _portal.WaitFinishedAsync(operation.Id, TimeSpan.FromSeconds(240))).State);
        var samples = new List<HostSample>();
        _series.Sampled += s => { lock (samples) samples.Add(s); };

        await _collector.StartAsync(None);

        // Three samples with a CPU value: the rate needs two readings.
        var points = await PollAsync(() =>
        {
            var p = _series.FindMachine(created.Id)?.Since(DateTimeOffset.MinValue).Where(x => !float.IsNaN(x.Values[M.Cpu])).ToList();
            return p is { Count: >= 3 } ? p : null;
        }, TimeSpan.FromSeconds(90), "three CPU samples of the guest");
        Assert.All(points, p => Assert.InRange(p.Values[M.Cpu], 0f, 100f));
        Assert.Equal(64f, points[^1].Values[M.MemoryAllocated]);
        Assert.True(points[^1].Values[M.MemoryUsed] > 0);

        var hostPoint = _series.FindHost(host.Id)!.Latest!;
        Assert.InRange(hostPoint.Values[H.Cpu], 0f, 100f);
        Assert.True(hostPoint.Values[H.MemoryTotal] > 0);
        Assert.True(hostPoint.Values[H.MachinesRunning] >= 1);
        Assert.True(hostPoint.Values[H.MemoryAllocated] >= 64);
        lock (samples)
            Assert.Contains(samples, s => s.HostId == host.Id && s.Machines.Any(m => m.MachineId == created.Id && m.TenantId == created.TenantId));

        // A restart sets cpu.time back to zero: the collector must not turn that into a negative rate.
        await _portal.Service.ActAsync(member, created.Id, MachineAction.Poweroff, None);
        await Task.Delay(2500);
        await _portal.Service.ActAsync(member, created.Id, MachineAction.Start, None);
        var restartedAt = DateTimeOffset.UtcNow;
        await PollAsync(() =>
        {
            var p = _series.FindMachine(created.Id)!.Since(restartedAt).Where(x => !float.IsNaN(x.Values[M.Cpu])).ToList();
            return p.Count >= 2 ? p : null;
        }, TimeSpan.FromSeconds(90), "CPU samples after the restart");
        Assert.All(_series.FindMachine(created.Id)!.Since(DateTimeOffset.MinValue), p =>
            Assert.All(p.Values, v => Assert.False(v < 0, "a negative rate")));
        Assert.False(_series.Sampling(host.Id).Failing);

        // Stopping flushes the open buckets: the minute rollups are in SQLite.
        await _collector.StopAsync(None);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var minutes = await _rollups.ReadAsync(created.Id, RollupResolutions.Minute, now - 3600, now + 60, None);
        var cpu = Assert.Single(minutes.Where(r => r.Metric == "cpu").GroupBy(r => r.Metric));
        Assert.All(cpu, r => Assert.InRange(r.Average, 0, r.Max));
        Assert.NotEmpty(await _rollups.ReadAsync(host.Id, RollupResolutions.Hour, now - 7200, now + 60, None));
    }

    [Fact]
    public async Task Collector_HostThatNeverAnswers_IsMarkedFailingWithAGapNotZeros()
    {
        var admin = await _portal.AddCallerAsync(Roles.Admin);
        // Nothing listens on port 1: every connect is refused at once, so every sample fails.
        var dead = (await _portal.HostService.AddAsync(admin, "cpm-dead", "qemu+tcp://127.0.0.1:1/system", None)).Host;

        await _collector.StartAsync(None);

        var status = await PollAsync(() => _series.Sampling(dead.Id) is { Failing: true } s ? s : null, TimeSpan.FromSeconds(30), "the dead host to be marked");
        Assert.False(string.IsNullOrEmpty(status.LastError));
        await Task.Delay(2500);
        var points = _series.FindHost(dead.Id)!.Since(DateTimeOffset.MinValue);
        var gap = Assert.Single(points);
        Assert.True(gap.Gap);
        Assert.All(gap.Values, v => Assert.True(float.IsNaN(v)));
    }
}
