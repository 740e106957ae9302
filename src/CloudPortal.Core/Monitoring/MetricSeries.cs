using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Monitoring;

/// <summary>How sampling of one host is going: shown on the fleet page and by /readyz.</summary>
public sealed record HostSamplingStatus(Guid HostId, DateTimeOffset? LastSampleAt, TimeSpan? LastDuration, string? LastError, bool Failing);

/// <summary>A machine's values in one host sample; null values mean the sample is a gap (the host failed).</summary>
public sealed record MachineSample(Guid MachineId, Guid TenantId, float[]? Values);

/// <summary>What one host sample produced, pushed to whoever watches.</summary>
public sealed record HostSample(Guid HostId, DateTimeOffset Time, float[]? Values, IReadOnlyList<MachineSample> Machines, string? Error)
{
    public bool Failed => Values is null;
}

/// <summary>
/// The in-memory last hour of every machine and host (rings at full resolution) plus where each machine was last
/// seen; written by the collector, read by the API, the pages and /metrics.
/// </summary>
public sealed class MetricSeries(IOptions<MonitoringOptions> options)
{
    private readonly int _capacity = options.Value.RingCapacity;
    private readonly ConcurrentDictionary<Guid, MetricRing> _machines = new();
    private readonly ConcurrentDictionary<Guid, MetricRing> _hosts = new();
    private readonly ConcurrentDictionary<Guid, (Guid TenantId, Guid HostId)> _owners = new();
    private readonly ConcurrentDictionary<Guid, HostSamplingStatus> _sampling = new();

    /// <summary>Raised after every host sample, on the sampling thread; handlers must be quick and must not throw.</summary>
    public event Action<HostSample>? Sampled;

    /// <summary>How many listen to the samples now (open pages, the alert engine): a closed page must leave none behind.</summary>
    public int SampledListeners => Sampled?.GetInvocationList().Length ?? 0;

    public TimeSpan History { get; } = options.Value.History;
    public TimeSpan Interval { get; } = options.Value.Interval;

    public MetricRing Machine(Guid machineId) => _machines.GetOrAdd(machineId, _ => new MetricRing(_capacity, MetricCatalog.M.Count));
    public MetricRing Host(Guid hostId) => _hosts.GetOrAdd(hostId, _ => new MetricRing(_capacity, MetricCatalog.H.Count));

    public MetricRing? FindMachine(Guid machineId) => _machines.GetValueOrDefault(machineId);
    public MetricRing? FindHost(Guid hostId) => _hosts.GetValueOrDefault(hostId);

    public void SetOwner(Guid machineId, Guid tenantId, Guid hostId) => _owners[machineId] = (tenantId, hostId);

    private readonly ConcurrentDictionary<Guid, bool> _removed = new();

    /// <summary>Forgets a deleted machine's history; a sample taken before the deletion was seen does not bring it back.</summary>
    public void RemoveMachine(Guid machineId)
    {
        _removed[machineId] = true;
        _machines.TryRemove(machineId, out _);
        _owners.TryRemove(machineId, out _);
    }

    public bool IsRemoved(Guid machineId) => _removed.ContainsKey(machineId);

    public IEnumerable<(Guid MachineId, Guid TenantId, Guid HostId, MetricPoint Point)> LatestMachines()
    {
        foreach (var (id, ring) in _machines)
        {
            if (ring.Latest is { Gap: false } point && _owners.TryGetValue(id, out var owner))
                yield return (id, owner.TenantId, owner.HostId, point);
        }
    }

    public IEnumerable<(Guid HostId, MetricPoint Point)> LatestHosts()
    {
        foreach (var (id, ring) in _hosts)
        {
            if (ring.Latest is { Gap: false } point)
                yield return (id, point);
        }
    }

    public HostSamplingStatus Sampling(Guid hostId) =>
        _sampling.GetValueOrDefault(hostId) ?? new HostSamplingStatus(hostId, null, null, null, false);

    public IReadOnlyCollection<HostSamplingStatus> SamplingStatuses => _sampling.Values.ToList();

    internal void Record(HostSamplingStatus status) => _sampling[status.HostId] = status;

    internal void Publish(HostSample sample, Microsoft.Extensions.Logging.ILogger log)
    {
        foreach (var handler in Sampled?.GetInvocationList().Cast<Action<HostSample>>() ?? [])
        {
            try
            {
                handler(sample);
            }
            catch (Exception ex)
            {
                // A broken watcher (a closed circuit) must not stop the others or the sampling.
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(log, ex, "A metrics subscriber failed");
            }
        }
    }
}
