using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Core.Quotas;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace CloudPortal.Web.Components.Monitoring;

/// <summary>
/// A tenant's machines with their newest CPU and memory, its quota use and its top consumers, refreshed as their
/// hosts are sampled (quota use when one of its machines changes).
/// </summary>
public sealed partial class TenantDashboard
{
    [Inject] private MetricSeries Series { get; set; } = default!;
    [Inject] private IFleetStore FleetStore { get; set; } = default!;
    [Inject] private MachineEvents Events { get; set; } = default!;
    [Inject] private QuotaService Quotas { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _disposed = new();
    private Caller? _caller;
    private IReadOnlyList<MachineSummary> _machines = [];
    private HashSet<Guid> _ids = [];
    private QuotaView? _quota;
    private const int TopCount = 5;
    private int _refreshPending;
    private volatile bool _reload;

    protected override async Task OnInitializedAsync()
    {
        _caller = (await AuthenticationState).User.ToCaller();
        await ReloadAsync();
        Series.Sampled += OnSampled;
        Events.Changed += OnMachineChanged;
    }

    private async Task ReloadAsync()
    {
        _machines = await FleetStore.ListMachinesAsync(_caller!.TenantId, _disposed.Token);
        _ids = _machines.Select(m => m.Id).ToHashSet();
        _quota = await Quotas.GetAsync(_caller, _caller.TenantId, _disposed.Token);
    }

    private IReadOnlyList<(MachineSummary Machine, float Value)> Top(int metric) =>
        TopConsumers.Rank(_machines, m => Latest(m.Id) is { } v ? v[metric] : float.NaN, TopCount);

    private float[]? Latest(Guid machineId) => Series.FindMachine(machineId)?.Latest is { Gap: false } p ? p.Values : null;

    private string BusyVcpus
    {
        get
        {
            double busy = 0;
            foreach (var m in _machines)
                if (Latest(m.Id) is { } v && !float.IsNaN(v[MetricCatalog.M.Cpu]))
                    busy += v[MetricCatalog.M.Cpu] / 100.0 * m.Vcpus;
            return $"{busy:F2} of {_machines.Where(m => m.State == MachineState.Running).Sum(m => m.Vcpus)}";
        }
    }

    private string MemoryUsed
    {
        get
        {
            double used = 0;
            foreach (var m in _machines)
                if (Latest(m.Id) is { } v && !float.IsNaN(v[MetricCatalog.M.MemoryUsed]))
                    used += v[MetricCatalog.M.MemoryUsed];
            return $"{used:F0} MiB";
        }
    }

    private void OnMachineChanged(MachineChange change)
    {
        if (change.TenantId == _caller?.TenantId)
        {
            _reload = true;
            Refresh();
        }
    }

    private void OnSampled(HostSample sample)
    {
        // Another tenant's machines on the same host are none of this page's business.
        if (sample.Machines.Any(m => _ids.Contains(m.MachineId)))
            Refresh();
    }

    private void Refresh()
    {
        if (Interlocked.Exchange(ref _refreshPending, 1) == 1)
            return;
        _ = InvokeAsync(async () =>
        {
            await Task.Delay(500);
            Interlocked.Exchange(ref _refreshPending, 0);
            if (_disposed.IsCancellationRequested)
                return;
            if (_reload)
            {
                _reload = false;
                await ReloadAsync();
            }
            StateHasChanged();
        });
    }

    public ValueTask DisposeAsync()
    {
        Series.Sampled -= OnSampled;
        Events.Changed -= OnMachineChanged;
        _disposed.Cancel();
        _disposed.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The top consumers of one metric among a tenant's machines.</summary>
public static class TopConsumers
{
    /// <summary>
    /// The <paramref name="count"/> machines with the highest value, highest first, ties by name; machines without a
    /// value (NaN: not running, not sampled yet, a gap) are left out rather than ranked as zero.
    /// </summary>
    public static IReadOnlyList<(MachineSummary Machine, float Value)> Rank(IEnumerable<MachineSummary> machines, Func<MachineSummary, float> value, int count) => machines
        .Select(m => (Machine: m, Value: value(m)))
        .Where(x => !float.IsNaN(x.Value))
        .OrderByDescending(x => x.Value)
        .ThenBy(x => x.Machine.Name, StringComparer.Ordinal)
        .Take(count)
        .ToList();
}
