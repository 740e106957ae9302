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
/// not zeros) once the host's libvirtd is gone, and samples the host again when libvirtd is back.
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
