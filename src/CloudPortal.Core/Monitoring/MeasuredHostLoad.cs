using CloudPortal.Core.Placement;

namespace CloudPortal.Core.Monitoring;

/// <summary>
/// Placement's view of measured load: the latest host sample, as fractions of the host's CPUs and memory. A sample
/// older than a few intervals (the host stopped answering) is no measurement: placing by stale load would be worse
/// than the neutral score the load weigher gives without one.
/// </summary>
public sealed class MeasuredHostLoad(MetricSeries series) : IHostLoadSource
{
    private const int FreshIntervals = 3;

    public HostLoadMeasurement? Get(Guid hostId)
    {
        if (series.FindHost(hostId)?.Latest is not { Gap: false } point)
            return null;
        if (Common.Clock.Now() - point.Time > series.Interval * FreshIntervals)
            return null;

        var values = point.Values;
        float total = values[MetricCatalog.H.MemoryTotal];
        if (total <= 0 || float.IsNaN(values[MetricCatalog.H.Cpu]) || float.IsNaN(values[MetricCatalog.H.MemoryUsed]))
            return null;
        double cpu = Math.Clamp(values[MetricCatalog.H.Cpu] / 100.0, 0, 1);
        double memory = Math.Clamp(values[MetricCatalog.H.MemoryUsed] / total, 0, 1);
        return new HostLoadMeasurement(cpu, memory, point.Time);
    }
}
