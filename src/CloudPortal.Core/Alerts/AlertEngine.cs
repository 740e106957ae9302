using System.Threading.Channels;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Alerts;

/// <summary>
/// Evaluates the alert rules on the samples the collector already takes (no sampling of its own). Samples are handed
/// over through a bounded channel so that the collector never waits for the database; one loop evaluates them in
/// order, so each rule's condition sees its subject's samples one after another.
/// </summary>
public sealed class AlertEngine(
    MetricSeries series,
    IAlertStore store,
    IMachineStore machines,
    IHostStore hosts,
    AlertNotifications notifications,
    IOptions<MonitoringOptions> options,
    ILogger<AlertEngine> log) : BackgroundService
{
    public static readonly TimeSpan RetainResolved = TimeSpan.FromDays(30);
    private static readonly TimeSpan RulesMaxAge = TimeSpan.FromSeconds(30);

    // Dropping the oldest sample under a flood loses one evaluation, never the collector's time.
    private readonly Channel<HostSample> _samples = Channel.CreateBounded<HostSample>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Dictionary<(Guid Rule, Guid Subject), AlertCondition> _conditions = [];
    private readonly Dictionary<Guid, string> _names = [];
    private readonly TimeSpan _staleAfter = TimeSpan.FromTicks(Math.Max(options.Value.Interval.Ticks * 5, TimeSpan.FromSeconds(30).Ticks));
    private RuleIndex _rules = RuleIndex.Empty;
    private int _rulesVersion;
    private int _loadedVersion = -1;
    private DateTimeOffset _rulesLoadedAt;
    private DateTimeOffset _lastSweep;
    private DateTimeOffset _lastPrune;

    /// <summary>A rule was added, changed or removed: the next sample reloads the rules.</summary>
    public void RulesChanged() => Interlocked.Increment(ref _rulesVersion);

    /// <summary>How many samples wait to be evaluated (for tests and the fleet page).</summary>
    public int Backlog => _samples.Reader.Count;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        series.Sampled += OnSampled;
        try
        {
            await RestoreAsync(ct);
            await foreach (var sample in _samples.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await EvaluateAsync(sample, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The database briefly locked: the conditions keep their state and the next sample tries again.
                    log.LogWarning(ex, "Evaluating alerts on a sample of host {HostId} failed", sample.HostId);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            series.Sampled -= OnSampled;
        }
    }

    private void OnSampled(HostSample sample) => _samples.Writer.TryWrite(sample);

    /// <summary>Alerts firing when the portal stopped keep firing (and resolve on the first good sample).</summary>
    private async Task RestoreAsync(CancellationToken ct)
    {
        await ReloadRulesAsync(ct);
        var now = Clock.Now();
        foreach (var alert in await store.ListFiringAsync(ct))
        {
            if (_rules.Find(alert.RuleId) is { } rule)
            {
                var condition = new AlertCondition(rule);
                condition.Restore(alert, now);
                _conditions[(rule.Id, alert.SubjectId)] = condition;
            }
            else
            {
                await ResolveAsync(alert, now, ct);
            }
        }
    }

    private async Task EvaluateAsync(HostSample sample, CancellationToken ct)
    {
        var now = sample.Time;
        if (_loadedVersion != Volatile.Read(ref _rulesVersion) || Clock.Now() - _rulesLoadedAt > RulesMaxAge)
            await ReloadRulesAsync(ct);

        foreach (var rule in _rules.ForHost(sample.HostId))
        {
            double? value = rule.Metric == AlertRules.Unreachable
                ? sample.Failed ? 1 : 0
                : AlertRules.ValueOf(AlertScopes.Host, rule.Metric, sample.Values);
            await ObserveAsync(rule, AlertScopes.Host, sample.HostId, null, now, value, ct);
        }
        foreach (var machine in sample.Machines)
        {
            foreach (var rule in _rules.ForMachine(machine.MachineId, machine.TenantId))
                await ObserveAsync(rule, AlertScopes.Machine, machine.MachineId, machine.TenantId, now,
                    AlertRules.ValueOf(AlertScopes.Machine, rule.Metric, machine.Values), ct);
        }
        if (now - _lastSweep > TimeSpan.FromSeconds(5))
        {
            await SweepStaleAsync(now, ct);
            _lastSweep = now;
        }
        if (now - _lastPrune > TimeSpan.FromHours(1))
        {
            _lastPrune = now;
            int pruned = await store.PruneResolvedAsync(now - RetainResolved, ct);
            if (pruned > 0)
                log.LogInformation("Pruned {Count} resolved alerts older than {Days} days", pruned, RetainResolved.TotalDays);
        }
    }

    private async Task ObserveAsync(AlertRule rule, string kind, Guid subjectId, Guid? tenantId, DateTimeOffset now, double? value, CancellationToken ct)
    {
        if (!_conditions.TryGetValue((rule.Id, subjectId), out var condition))
            _conditions[(rule.Id, subjectId)] = condition = new AlertCondition(rule);
        switch (condition.Observe(now, value))
        {
            case AlertTransition.Fired:
                var alert = new Alert
                {
                    Id = Guid.NewGuid(),
                    RuleId = rule.Id,
                    RuleName = rule.Name,
                    // A host rule's alert is the administrators'; a machine's belongs to the machine's tenant.
                    TenantId = kind == AlertScopes.Host ? null : tenantId,
                    SubjectKind = kind,
                    SubjectId = subjectId,
                    SubjectName = await NameOfAsync(kind, subjectId, ct),
                    Metric = rule.Metric,
                    Comparison = rule.Comparison,
                    Threshold = rule.Threshold,
                    Value = rule.Metric == AlertRules.Unreachable ? null : condition.LastValue,
                    State = AlertStates.Firing,
                    FiredAt = now,
                };
                await store.InsertAlertAsync(alert, ct);
                condition.MarkFired(alert);
                notifications.Publish(alert);
                break;
            case AlertTransition.Resolved:
                await ResolveConditionAsync(condition, now, ct);
                break;
        }
    }

    private async Task ResolveConditionAsync(AlertCondition condition, DateTimeOffset now, CancellationToken ct)
    {
        if (condition.Open is not { } alert)
            return;
        await ResolveAsync(alert, now, ct);
        condition.MarkResolved();
    }

    private async Task ResolveAsync(Alert alert, DateTimeOffset now, CancellationToken ct)
    {
        if (await store.ResolveAlertAsync(alert.Id, now, ct))
            notifications.Publish(alert with { State = AlertStates.Resolved, ResolvedAt = now });
    }

    /// <summary>
    /// A machine that stopped (or was deleted, or moved away) is no longer in any sample: its alerts resolve, since
    /// nothing is measured any more. A failing host still reports its machines as gaps, so an outage is not stale.
    /// </summary>
    private async Task SweepStaleAsync(DateTimeOffset now, CancellationToken ct)
    {
        foreach (var (key, condition) in _conditions.Where(c => now - c.Value.LastSeen > _staleAfter).ToList())
        {
            _conditions.Remove(key);
            await ResolveConditionAsync(condition, now, ct);
        }
    }

    private async Task ReloadRulesAsync(CancellationToken ct)
    {
        int version = Volatile.Read(ref _rulesVersion);
        var rules = await store.ListEnabledRulesAsync(ct);
        _rules = new RuleIndex(rules);
        _loadedVersion = version;
        _rulesLoadedAt = Clock.Now();
        var now = Clock.Now();
        foreach (var (key, condition) in _conditions.ToList())
        {
            if (_rules.Find(key.Rule) is { } rule)
            {
                condition.Update(rule);
                continue;
            }
            // The rule was deleted or disabled: what it raised is over.
            _conditions.Remove(key);
            await ResolveConditionAsync(condition, now, ct);
        }
    }

    private async Task<string> NameOfAsync(string kind, Guid id, CancellationToken ct)
    {
        if (_names.TryGetValue(id, out var name))
            return name;
        name = kind == AlertScopes.Host
            ? (await hosts.GetAsync(id, ct))?.Name
            : (await machines.GetAsync(id, ct))?.Name;
        name ??= id.ToString();
        if (_names.Count > 100_000)
            _names.Clear();
        _names[id] = name;
        return name;
    }

    /// <summary>The enabled rules, indexed by what a sample names: its host, its machines and their tenants.</summary>
    private sealed class RuleIndex
    {
        public static readonly RuleIndex Empty = new([]);

        private readonly Dictionary<Guid, AlertRule> _byId;
        private readonly List<AlertRule> _allHosts;
        private readonly ILookup<Guid, AlertRule> _byTarget;
        private readonly ILookup<Guid, AlertRule> _byTenant;

        public RuleIndex(IReadOnlyList<AlertRule> rules)
        {
            _byId = rules.ToDictionary(r => r.Id);
            _allHosts = rules.Where(r => r.IsHostRule && r.TargetId is null).ToList();
            _byTarget = rules.Where(r => r.TargetId is not null).ToLookup(r => r.TargetId!.Value);
            _byTenant = rules.Where(r => r.Scope == AlertScopes.Tenant && r.TenantId is not null).ToLookup(r => r.TenantId!.Value);
        }

        public AlertRule? Find(Guid id) => _byId.GetValueOrDefault(id);

        public IEnumerable<AlertRule> ForHost(Guid hostId) =>
            _allHosts.Concat(_byTarget[hostId].Where(r => r.IsHostRule));

        public IEnumerable<AlertRule> ForMachine(Guid machineId, Guid tenantId) =>
            _byTarget[machineId].Where(r => r.Scope == AlertScopes.Machine).Concat(_byTenant[tenantId]);
    }
}
