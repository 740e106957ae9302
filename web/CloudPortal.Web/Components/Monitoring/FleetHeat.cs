using System.Globalization;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Monitoring;
using static CloudPortal.Web.Components.Monitoring.HeatMap;

namespace CloudPortal.Web.Components.Monitoring;

/// <summary>What a heat map cell shows for a host under each metric the fleet page offers.</summary>
public static class FleetHeat
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string Allocated = "allocated";

    public static readonly IReadOnlyList<(string Key, string Label)> Metrics =
        [(Cpu, "CPU busy"), (Memory, "Memory used"), (Allocated, "Allocated of capacity")];

    public static HeatCell Cell(HostView view, float[]? latest, HostSamplingStatus sampling, string metric)
    {
        var host = view.Host;
        var vcpuCapacity = (int)Math.Floor(view.Status.Cpus * host.CpuOvercommit);
        var memoryCapacity = Math.Max(0, view.Status.MemoryMiB - host.ReservedMemoryMiB) * host.MemoryOvercommit;
        var allocated = Math.Max(Ratio(view.AllocatedVcpus, vcpuCapacity), Ratio(view.AllocatedMemoryMiB, memoryCapacity));
        double? percent = metric switch
        {
            Memory => latest is null ? null : Ratio(latest[MetricCatalog.H.MemoryUsed], latest[MetricCatalog.H.MemoryTotal]),
            Allocated => allocated,
            _ => latest is null || float.IsNaN(latest[MetricCatalog.H.Cpu]) ? null : latest[MetricCatalog.H.Cpu],
        };
        var reachable = view.Status.State == HostConnectionState.Connected && !sampling.Failing;
        // Allocation is the portal's own bookkeeping: it is known even when the host does not answer.
        var kind = host.Maintenance ? HeatCellKind.Maintenance
            : !reachable && metric != Allocated ? HeatCellKind.Unreachable
            : percent is null ? HeatCellKind.NoSample
            : HeatCellKind.Measured;
        return new HeatCell(host.Name, kind is HeatCellKind.Measured or HeatCellKind.Maintenance ? percent : null, kind,
            Tooltip(view, latest, sampling, vcpuCapacity, memoryCapacity), $"/hosts/{host.Id}/monitoring");
    }

    private static double? Ratio(double value, double max) =>
        double.IsNaN(value) || double.IsNaN(max) || max <= 0 ? null : Math.Clamp(value / max * 100, 0, 100);

    private static double Ratio(long value, double max) => max <= 0 ? 0 : Math.Clamp(value / max * 100, 0, 100);

    private static string Tooltip(HostView view, float[]? latest, HostSamplingStatus sampling, int vcpuCapacity, double memoryCapacity)
    {
        var parts = new List<string> { view.Host.Name };
        if (view.Host.Maintenance)
            parts.Add("maintenance");
        if (sampling.Failing)
            parts.Add($"no samples: {sampling.LastError}");
        else if (view.Status.State != HostConnectionState.Connected)
            parts.Add(view.Status.State.ToString().ToLowerInvariant() + (view.Status.LastError is { } e ? $": {e}" : ""));
        if (latest is not null)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"CPU {Shown(latest[MetricCatalog.H.Cpu])} %"));
            parts.Add(string.Create(CultureInfo.InvariantCulture,
                $"memory used {Shown(latest[MetricCatalog.H.MemoryUsed])} / {Shown(latest[MetricCatalog.H.MemoryTotal])} MiB"));
        }
        parts.Add(string.Create(CultureInfo.InvariantCulture,
            $"allocated {view.AllocatedVcpus} / {vcpuCapacity} vCPUs, {view.AllocatedMemoryMiB} / {memoryCapacity:F0} MiB"));
        parts.Add($"{view.RunningMachines} running");
        return string.Join(" · ", parts);
    }

    private static string Shown(float value) => float.IsNaN(value) ? "-" : value.ToString("F0", CultureInfo.InvariantCulture);
}
