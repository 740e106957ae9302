using System.Diagnostics.Metrics;
using CloudPortal.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace CloudPortal.Web.Monitoring;

/// <summary>
/// The host and machine gauges that /metrics exposes, read from the collector's newest samples at scrape time:
/// nothing is sampled for Prometheus itself. Machine gauges carry tenant_id only when
/// CloudPortal:Monitoring:MetricsTenantLabels is set.
/// </summary>
public sealed class PortalMeter : IDisposable
{
    public const string Name = "CloudPortal.Monitoring";
    private readonly Meter _meter = new(Name);

    public PortalMeter(MetricSeries series, IOptions<MonitoringOptions> options)
    {
        bool tenantLabels = options.Value.MetricsTenantLabels;
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
                .Select(m => new Measurement<double>(m.Point.Values[index], MachineTags(m, tenantLabels))),
                description: metric.Help);
        }
    }

    private static KeyValuePair<string, object?>[] MachineTags((Guid MachineId, Guid TenantId, Guid HostId, MetricPoint Point) machine, bool tenantLabels) => tenantLabels
        ?
        [
            new("machine_id", machine.MachineId.ToString()),
            new("tenant_id", machine.TenantId.ToString()),
            new("host_id", machine.HostId.ToString()),
        ]
        :
        [
            new("machine_id", machine.MachineId.ToString()),
            new("host_id", machine.HostId.ToString()),
        ];

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
