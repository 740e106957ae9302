using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CloudPortal.Web.Tests.Lab;

/// <summary>
/// The real collector against a lab host over qemu+tcp: it samples a guest there, shows the host as failing (gaps,
/// not zeros) once the host's libvirtd is gone, and samples the host again when libvirtd is back. A host that hangs
/// delays only itself.
/// </summary>
[Trait("Category", "RealHost")]
[Collection(LabCollection.Name)]
public sealed class LabCollectorTests(LabPortal lab)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Collector_LabHostLibvirtdKilledThenRestarted_MarksHostFailedThenResumes()
    {
        var series = lab.Factory.Services.GetRequiredService<MetricSeries>();
        var samples = new ConcurrentQueue<HostSample>();
        void OnSampled(HostSample sample) => samples.Enqueue(sample);
        series.Sampled += OnSampled;
        string? machineId = null;
        try
        {
            using var response = await lab.Admin.PostAsJsonAsync("/api/v1/machines",
                new { name = PortalApi.UniqueName(LabPortal.TestPrefix.TrimEnd('-')), vcpus = 1, memoryMiB = 64 });
            var machine = await response.JsonAsync(HttpStatusCode.Accepted);
            machineId = machine.GetProperty("id").GetString()!;
            var operation = await lab.Admin.WaitOperationAsync(machine.GetProperty("operationId").GetString()!, Patience);
            Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create did not succeed: {operation}");
            var hostId = Guid.Parse((await lab.Admin.GetMachineAsync(machineId)).GetProperty("hostId").GetString()!);
            var uri = lab.UriOf(hostId.ToString());
            var labIndex = new Uri(uri).Port - 16510;
            var guest = Guid.Parse(machineId);

            // Sampled: a host sample of the lab host that carries the guest's values.
            await PollAsync(() => samples.Any(s => s.HostId == hostId && !s.Failed
                && s.Machines.Any(m => m.MachineId == guest && m.Values is not null)), "a sample of the guest on the lab host");
            Assert.False(series.Sampling(hostId).Failing);

            // libvirtd of that lab host dies (its guests stay, as QEMU outlives a crashed daemon).
            var pid = int.Parse(File.ReadAllText($"/run/cloudportal-lab/lab{labIndex}-libvirtd.pid").Trim());
            using (var daemon = Process.GetProcessById(pid))
            {
                daemon.Kill();
                await daemon.WaitForExitAsync();
            }
            var killedAt = DateTimeOffset.UtcNow;
            await PollAsync(() => series.Sampling(hostId).Failing, "the lab host marked failing");
            var gap = samples.Last(s => s.HostId == hostId && s.Failed);
            Assert.NotNull(gap.Error);
            Assert.Contains(gap.Machines, m => m.MachineId == guest && m.Values is null);
            Assert.True(series.FindHost(hostId)?.Latest is { Gap: true }, "the host's series holds a gap, not a value, while it is gone");

            // Back: the lab script restarts the daemon (it clears the dead host's guests first) and sampling resumes.
            await LabPortal.LabAsync("up", LabPortal.HostCount.ToString());
            await PollAsync(() => samples.Any(s => s.HostId == hostId && !s.Failed && s.Time > killedAt)
                && !series.Sampling(hostId).Failing, "the lab host sampled again");
            Assert.True(series.FindHost(hostId)?.Latest is { Gap: false }, "the host's latest point is a value again");
        }
        finally
        {
            series.Sampled -= OnSampled;
            // Whatever happened, the lab is left with all its hosts answering for the other lab tests.
            await LabPortal.LabAsync("up", LabPortal.HostCount.ToString());
            if (machineId is not null)
            {
                using var delete = await lab.Admin.DeleteAsync($"/api/v1/machines/{machineId}");
                if (delete.StatusCode == HttpStatusCode.Accepted)
                    await lab.Admin.WaitOperationAsync((await delete.JsonAsync(HttpStatusCode.Accepted)).GetProperty("id").GetString()!, Patience);
            }
            await LabPortal.SweepAsync();
        }
    }

    [Fact]
    public async Task Collector_LabHostFrozen_OnlyThatHostStopsAndTheOthersKeepTheirInterval()
    {
        var series = lab.Factory.Services.GetRequiredService<MetricSeries>();
        var samples = new ConcurrentQueue<HostSample>();
        void OnSampled(HostSample sample) => samples.Enqueue(sample);
        var frozenId = Guid.Parse(lab.HostIds[LabPortal.Uris[0]]);
        var otherIds = LabPortal.Uris.Skip(1).Select(u => Guid.Parse(lab.HostIds[u])).ToList();
        series.Sampled += OnSampled;
        int? pid = null;
        try
        {
            await PollAsync(() => otherIds.Append(frozenId).All(id => samples.Any(s => s.HostId == id && !s.Failed)), "a sample of every lab host");

            // lab1's libvirtd stops answering without closing anything: a hung host, not a refused one.
            pid = int.Parse((await File.ReadAllTextAsync("/run/cloudportal-lab/lab1-libvirtd.pid")).Trim());
            await SignalAsync("-STOP", pid.Value);
            var frozenAt = DateTimeOffset.UtcNow;
            var watch = TimeSpan.FromSeconds(12);
            await Task.Delay(watch);

            // A sample already under way when the daemon froze may still be counted: look from 3 s on.
            var from = frozenAt + TimeSpan.FromSeconds(3);
            Assert.DoesNotContain(samples, s => s.HostId == frozenId && !s.Failed && s.Time > from);
            foreach (var id in otherIds)
            {
                var kept = samples.Count(s => s.HostId == id && !s.Failed && s.Time > from);
                // 9 s at the 2 s interval is 4-5 samples; 3 allows for a loaded CI box, while a collector that waited
                // for the frozen host would have none.
                Assert.True(kept >= 3, $"host {id} got {kept} samples in the 9 s after another host froze");
            }
        }
        finally
        {
            if (pid is { } frozen)
                await SignalAsync("-CONT", frozen);
            series.Sampled -= OnSampled;
        }
        var thawedAt = DateTimeOffset.UtcNow;
        // Once it answers again (on the old connection or after a reconnect), it is sampled again by itself.
        series.Sampled += OnSampled;
        try
        {
            await PollAsync(() => samples.Any(s => s.HostId == frozenId && !s.Failed && s.Time > thawedAt), "the thawed lab host sampled again");
        }
        finally
        {
            series.Sampled -= OnSampled;
            await LabPortal.LabAsync("up", LabPortal.HostCount.ToString());
        }
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    private static async Task PollAsync(Func<bool> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(250);
        }
    }
}
