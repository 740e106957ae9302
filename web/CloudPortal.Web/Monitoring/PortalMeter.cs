using System.Diagnostics.Metrics;
using CloudPortal.Core.Monitoring;

namespace CloudPortal.Web.Monitoring;

/// <summary>
/// The host and machine gauges that /metrics exposes, read from the collector's newest samples at scrape time:
/// nothing is sampled for Prometheus itself.
/// </summary>
public sealed class PortalMeter : IDisposable
{
    public const string Name = "CloudPortal.Monitoring";
    private readonly Meter _meter = new(Name);

    public PortalMeter(MetricSeries series)
    {
        for (int i = 0; i < MetricCatalog.Host.Count; i++)
        {
            int index = i;
            var metric = MetricCatalog.Host[i];
            _meter.CreateObservableGauge(GaugeName("host", metric), () => series.LatestHosts()
                .Where(h => !float.IsNaN(h.Point.Values[index]))
                .Select(h => new Measurement<double>(h.Point.Values[index], new KeyValuePair<string, object?>("host_id", h.HostId.ToString()))),
                description: metric.Help);
        }
        _meter.CreateObservableGauge("cloudportal_host_sampling_failing", () => series.SamplingStatuses
            .Select(s => new Measurement<int>(s.Failing ? 1 : 0, new KeyValuePair<string, object?>("host_id", s.HostId.ToString()))),
            description: "1 while the last sample of the host failed");
        for (int i = 0; i < MetricCatalog.Machine.Count; i++)
        {
            int index = i;
            var metric = MetricCatalog.Machine[i];
            _meter.CreateObservableGauge(GaugeName("machine", metric), () => series.LatestMachines()
                .Where(m => !float.IsNaN(m.Point.Values[index]))
                .Select(m => new Measurement<double>(m.Point.Values[index],
                    new KeyValuePair<string, object?>("machine_id", m.MachineId.ToString()),
                    new KeyValuePair<string, object?>("tenant_id", m.TenantId.ToString()),
                    new KeyValuePair<string, object?>("host_id", m.HostId.ToString()))),
                description: metric.Help);
        }
    }

    public static string GaugeName(string entity, MetricDefinition metric)
    {
        string suffix = metric.Unit switch
        {
            "percent" => "_percent",
            "MiB" => "_mebibytes",
            "bytes/s" => "_bytes_per_second",
            "ops/s" => "_operations_per_second",
            _ => "",
        };
        return $"cloudportal_{entity}_{metric.Name.Replace('.', '_')}{suffix}";
    }

    public void Dispose() => _meter.Dispose();
}
