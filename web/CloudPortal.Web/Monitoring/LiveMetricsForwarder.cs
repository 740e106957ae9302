using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Live;
using Microsoft.AspNetCore.SignalR;

namespace CloudPortal.Web.Monitoring;

/// <summary>
/// Pushes every host sample to the hub groups that look at it, as small deltas: each watched machine its values,
/// each tenant the CPU and memory of its machines, the admin group the host's values. Only groups with members
/// cost anything beyond a lookup.
/// </summary>
public sealed class LiveMetricsForwarder(MetricSeries series, MetricsCollector collector, Core.Machines.MachineEvents machines,
    IHubContext<LiveHub> hub, ILogger<LiveMetricsForwarder> log) : IHostedService
{
    public Task StartAsync(CancellationToken ct)
    {
        series.Sampled += Forward;
        machines.Changed += OnMachineChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        series.Sampled -= Forward;
        machines.Changed -= OnMachineChanged;
        return Task.CompletedTask;
    }

    // A deleted machine's ring would otherwise stay in memory for the life of the process.
    private void OnMachineChanged(Core.Machines.MachineChange change)
    {
        if (change.Removed)
            collector.Forget(change.MachineId);
    }

    private void Forward(HostSample sample)
    {
        long t = sample.Time.ToUnixTimeSeconds();
        var sends = new List<Task>(sample.Machines.Count + 2)
        {
            hub.Clients.Group(LiveHub.AdminGroup).SendAsync("hostMetrics",
                new HostMetricsPush(sample.HostId, t, Nullable(sample.Values), sample.Error)),
        };
        foreach (var machine in sample.Machines)
            sends.Add(hub.Clients.Group(LiveHub.MachineGroup(machine.MachineId)).SendAsync("machineMetrics",
                new MachineMetricsPush(machine.MachineId, t, Nullable(machine.Values))));
        foreach (var tenant in sample.Machines.GroupBy(m => m.TenantId))
            sends.Add(hub.Clients.Group(LiveHub.TenantGroup(tenant.Key)).SendAsync("tenantMetrics",
                new TenantMetricsPush(t, tenant.Select(m => new TenantMachinePoint(m.MachineId,
                    Value(m.Values, MetricCatalog.M.Cpu), Value(m.Values, MetricCatalog.M.MemoryUsed))).ToList())));
        _ = ObserveAsync(sends);
    }

    private async Task ObserveAsync(List<Task> sends)
    {
        try
        {
            await Task.WhenAll(sends);
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Pushing metrics to live clients failed");
        }
    }

    /// <summary>NaN (no value) becomes null: JSON has no NaN. A null array is a gap.</summary>
    public static double?[]? Nullable(float[]? values) =>
        values?.Select(v => float.IsNaN(v) ? (double?)null : Math.Round(v, 3)).ToArray();

    private static double? Value(float[]? values, int index) =>
        values is null || float.IsNaN(values[index]) ? null : Math.Round(values[index], 3);
}

public sealed record HostMetricsPush(Guid HostId, long T, double?[]? Values, string? Error);
public sealed record MachineMetricsPush(Guid MachineId, long T, double?[]? Values);
public sealed record TenantMetricsPush(long T, IReadOnlyList<TenantMachinePoint> Machines);
public sealed record TenantMachinePoint(Guid MachineId, double? Cpu, double? MemoryUsed);
/// <summary>What a client gets when it starts watching: the metric names in value order and the last hour.</summary>
public sealed record WatchAnswer(IReadOnlyList<string> Metrics, IReadOnlyList<SeriesDto> Series);
