using System.Collections.Concurrent;
using System.Diagnostics;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using LibvirtSharp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Monitoring;

/// <summary>
/// Samples every host on its own loop: one bulk stats call (plus the node's CPU and memory) per interval, through
/// <see cref="HostConnections"/>. A slow host delays only its own loop; a failing one leaves a gap in its series
/// and is tried again next interval. Finished minute/hour rollups are written in batches and pruned.
/// </summary>
public sealed class MetricsCollector(
    HostConnections connections,
    IMachineStore machines,
    IMetricRollupStore rollups,
    MetricSeries series,
    IOptions<MonitoringOptions> options,
    ILogger<MetricsCollector> log) : BackgroundService
{
    private readonly HostConnections _connections = connections;
    private readonly IMachineStore _machines = machines;
    private readonly IMetricRollupStore _rollups = rollups;
    private readonly MetricSeries _series = series;
    private readonly ILogger<MetricsCollector> _log = log;

    private const int ErrNoSupport = 3;
    private const int ErrInvalidArg = 8;

    private readonly MonitoringOptions _options = options.Value;
    private readonly ConcurrentDictionary<Guid, Task> _loops = new();
    private readonly ConcurrentDictionary<Guid, RollupAccumulator> _accumulators = new();
    private readonly ConcurrentQueue<MetricRollup> _pending = new();

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        _options.Validate();
        var flush = FlushLoopAsync(ct);
        try
        {
            // Hosts registered later are picked up here; each gets its own loop.
            while (!ct.IsCancellationRequested)
            {
                foreach (var status in _connections.Statuses)
                    _ = _loops.GetOrAdd(status.HostId, id => Task.Run(() => new HostSampler(this, id).RunAsync(ct), CancellationToken.None));
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        await Task.WhenAll(_loops.Values);
        await flush;
        // Partial buckets go out too, so a restart loses at most the samples of the current interval.
        var last = new List<MetricRollup>();
        foreach (var accumulator in _accumulators.Values)
            lock (accumulator)
                accumulator.Flush(last);
        await WriteAsync([.. DrainPending(), .. last], CancellationToken.None);
    }

    private async Task FlushLoopAsync(CancellationToken ct)
    {
        var lastPrune = DateTimeOffset.MinValue;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.FlushInterval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await WriteAsync(DrainPending(), ct);
            if (Common.Clock.Now() - lastPrune >= _options.PruneInterval)
            {
                try
                {
                    int pruned = await _rollups.PruneAsync(Common.Clock.Now(), ct);
                    lastPrune = Common.Clock.Now();
                    if (pruned > 0)
                        _log.LogInformation("Pruned {Count} metric rollups past retention", pruned);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _log.LogWarning(ex, "Pruning metric rollups failed; trying again next flush");
                }
            }
        }
    }

    /// <summary>A deleted machine: its open buckets are written with the next batch and its history is dropped.</summary>
    public void Forget(Guid machineId)
    {
        if (_accumulators.TryRemove(machineId, out var accumulator))
        {
            var last = new List<MetricRollup>();
            lock (accumulator)
                accumulator.Flush(last);
            foreach (var rollup in last)
                _pending.Enqueue(rollup);
        }
        _series.RemoveMachine(machineId);
    }

    private List<MetricRollup> DrainPending()
    {
        var batch = new List<MetricRollup>();
        while (_pending.TryDequeue(out var rollup))
            batch.Add(rollup);
        return batch;
    }

    private async Task WriteAsync(List<MetricRollup> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
            return;
        try
        {
            await _rollups.WriteAsync(batch, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Put them back: the next flush retries; the database being briefly locked must not lose history.
            _log.LogWarning(ex, "Writing {Count} metric rollups failed; retrying next flush", batch.Count);
            foreach (var rollup in batch)
                _pending.Enqueue(rollup);
        }
    }

    private void Accumulate(MetricEntity entity, Guid id, DateTimeOffset time, float[] values, List<MetricRollup> completed)
    {
        var accumulator = _accumulators.GetOrAdd(id, _ =>
            new RollupAccumulator(entity, id, entity == MetricEntity.Host ? MetricCatalog.Host : MetricCatalog.Machine));
        lock (accumulator)
            accumulator.Add(time, values, completed);
    }

    /// <summary>The state of one host's loop: the previous readings that rates are computed from.</summary>
    private sealed class HostSampler(MetricsCollector owner, Guid hostId)
    {
        private static readonly TimeSpan MachineMapMaxAge = TimeSpan.FromSeconds(15);

        private readonly Dictionary<Guid, (DomainCounters Counters, long Timestamp)> _previous = [];
        private (HostCounters Counters, long Timestamp)? _previousHost;
        private Dictionary<Guid, Machine> _machinesByDomain = [];
        private DateTimeOffset _machinesReadAt = DateTimeOffset.MinValue;
        private bool _noWait = true;
        private bool _failing;
        private bool _sampledOnce;

        public async Task RunAsync(CancellationToken ct)
        {
            using var timer = new PeriodicTimer(owner._options.Interval);
            try
            {
                do
                {
                    await SampleOnceAsync(ct);
                }
                while (await timer.WaitForNextTickAsync(ct));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
        }

        private async Task SampleOnceAsync(CancellationToken ct)
        {
            // A host still making its first connection is not an outage: it has no series yet, rather than a gap.
            if (!_sampledOnce && owner._connections.GetStatus(hostId).State == HostConnectionState.Connecting)
                return;
            var now = Common.Clock.Now();
            long started = Stopwatch.GetTimestamp();
            try
            {
                var reading = await owner._connections.RunAsync(hostId, Read, ct);
                await RefreshMachinesAsync(reading.Records, now, ct);
                Record(reading, now);
                owner._series.Record(new HostSamplingStatus(hostId, now, Stopwatch.GetElapsedTime(started), null, false));
                if (_failing)
                    owner._log.LogInformation("Sampling host {HostId} works again", hostId);
                _failing = false;
                _sampledOnce = true;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                if (!_failing)
                    owner._log.LogWarning("Sampling host {HostId} failed: {Message}; its series has a gap until it answers", hostId, ex.Message);
                _failing = true;
                RecordGap(now, ex.Message);
                owner._series.Record(new HostSamplingStatus(hostId, owner._series.Sampling(hostId).LastSampleAt, null, ex.Message, true));
            }
        }

        private sealed record Reading(IReadOnlyList<DomainStatsRecord> Records, long Timestamp, HostCounters Host);

        // Runs on the host's libvirt thread; everything libvirt is asked in one go.
        private Reading Read(Connection connection)
        {
            long timestamp = Stopwatch.GetTimestamp();
            IReadOnlyList<DomainStatsRecord> records;
            try
            {
                records = connection.GetAllDomainStats(DomainStatsGroups.Monitoring,
                    DomainStatsFlags.Active | (_noWait ? DomainStatsFlags.NoWait : DomainStatsFlags.None));
            }
            catch (LibvirtException ex) when (_noWait && ex.Code == ErrInvalidArg)
            {
                // Drivers that do not know NOWAIT (the test driver) refuse the flag: ask without it from now on.
                _noWait = false;
                records = connection.GetAllDomainStats(DomainStatsGroups.Monitoring, DomainStatsFlags.Active);
            }
            NodeCpuStats? cpu = Optional(connection.GetNodeCpuStats);
            NodeMemoryStats? memory = Optional(connection.GetNodeMemoryStats);
            return new Reading(records, timestamp, HostCounters.From(cpu, memory));
        }

        private static T? Optional<T>(Func<T> call) where T : class
        {
            try
            {
                return call();
            }
            catch (LibvirtException ex) when (ex.Code == ErrNoSupport)
            {
                return null;
            }
        }

        private async Task RefreshMachinesAsync(IReadOnlyList<DomainStatsRecord> records, DateTimeOffset now, CancellationToken ct)
        {
            bool unknown = false;
            foreach (var record in records)
                unknown |= !_machinesByDomain.ContainsKey(record.Uuid);
            // A new domain (a create or a migration in) is looked up soon, but not on every sample of a host
            // that runs domains the portal does not own.
            var age = now - _machinesReadAt;
            if (age < MachineMapMaxAge && !(unknown && age >= TimeSpan.FromSeconds(2)))
                return;
            var list = await owner._machines.ListByHostAsync(hostId, ct);
            _machinesByDomain = list.ToDictionary(m => m.DomainUuid);
            _machinesReadAt = now;
            foreach (var machine in list)
                owner._series.SetOwner(machine.Id, machine.TenantId, hostId);
        }

        private void Record(Reading reading, DateTimeOffset now)
        {
            var completed = new List<MetricRollup>();
            var samples = new List<MachineSample>(reading.Records.Count);
            var domainRates = new List<float[]>(reading.Records.Count);
            double allocatedMiB = 0, vcpus = 0, running = 0;
            var seen = new HashSet<Guid>();
            foreach (var record in reading.Records)
            {
                var counters = DomainCounters.From(record);
                seen.Add(record.Uuid);
                if (counters.IsRunning)
                {
                    running++;
                    vcpus += counters.Vcpus;
                }
                allocatedMiB += (counters.BalloonCurrentKiB ?? 0) / 1024.0;

                DomainCounters? previous = null;
                TimeSpan elapsed = TimeSpan.Zero;
                if (_previous.TryGetValue(record.Uuid, out var prev))
                {
                    previous = prev.Counters;
                    elapsed = Stopwatch.GetElapsedTime(prev.Timestamp, reading.Timestamp);
                }
                _previous[record.Uuid] = (counters, reading.Timestamp);
                var values = RateMath.Machine(previous, counters, elapsed);
                domainRates.Add(values);

                if (_machinesByDomain.TryGetValue(record.Uuid, out var machine) && !owner._series.IsRemoved(machine.Id))
                {
                    owner._series.Machine(machine.Id).Add(now, values);
                    owner.Accumulate(MetricEntity.Machine, machine.Id, now, values, completed);
                    samples.Add(new MachineSample(machine.Id, machine.TenantId, values));
                }
            }
            // A domain that stopped starts again from no baseline: its first sample after a start has no rate.
            foreach (var gone in _previous.Keys.Where(k => !seen.Contains(k)).ToList())
                _previous.Remove(gone);

            var hostValues = RateMath.Host(_previousHost?.Counters, reading.Host);
            _previousHost = (reading.Host, reading.Timestamp);
            hostValues[MetricCatalog.H.MemoryAllocated] = (float)allocatedMiB;
            hostValues[MetricCatalog.H.VcpusAllocated] = (float)vcpus;
            hostValues[MetricCatalog.H.MachinesRunning] = (float)running;
            RateMath.SumMachineIo(hostValues, domainRates);
            owner._series.Host(hostId).Add(now, hostValues);
            owner.Accumulate(MetricEntity.Host, hostId, now, hostValues, completed);

            foreach (var rollup in completed)
                owner._pending.Enqueue(rollup);
            owner._series.Publish(new HostSample(hostId, now, hostValues, samples, null), owner._log);
        }

        private void RecordGap(DateTimeOffset now, string error)
        {
            // Rates across an outage would average over it; start again from fresh readings instead.
            _previous.Clear();
            _previousHost = null;
            owner._series.Host(hostId).AddGap(now);
            var samples = new List<MachineSample>();
            foreach (var machine in _machinesByDomain.Values.Where(m => !owner._series.IsRemoved(m.Id)))
            {
                owner._series.Machine(machine.Id).AddGap(now);
                samples.Add(new MachineSample(machine.Id, machine.TenantId, null));
            }
            owner._series.Publish(new HostSample(hostId, now, null, samples, error), owner._log);
        }
    }
}
