using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Core.Alerts;
using Microsoft.AspNetCore.Components;

namespace CloudPortal.Web.Components.Monitoring;

/// <summary>The administrators' live view of every host: CPU, memory used and allocated, machines per state.</summary>
public sealed partial class Fleet
{
    [Inject] private HostService Hosts { get; set; } = default!;
    [Inject] private MetricSeries Series { get; set; } = default!;
    [Inject] private IFleetStore FleetStore { get; set; } = default!;
    [Inject] private MachineEvents MachineEvents { get; set; } = default!;
    [Inject] private IMachineStore MachineStore { get; set; } = default!;
    [Inject] private AlertNotifications Alerts { get; set; } = default!;

    private const int MaxEvents = 100;
    private readonly LinkedList<(DateTimeOffset At, string Text)> _events = new();
    private readonly Dictionary<Guid, bool> _hostFailed = [];
    private string _view = "map";
    private string _heatMetric = FleetHeat.Cpu;

    private readonly CancellationTokenSource _disposed = new();
    private IReadOnlyList<HostView> _hosts = [];
    private IReadOnlyDictionary<MachineState, int> _states = new Dictionary<MachineState, int>();
    private string? _filter;
    private int _refreshPending;
    private DateTimeOffset _statesReadAt;

    protected override async Task OnInitializedAsync()
    {
        await ReloadAsync();
        Series.Sampled += OnSampled;
        MachineEvents.Changed += OnMachineChanged;
        Alerts.Changed += OnAlert;
    }

    /// <summary>The heat map's cells, busiest first so that hot hosts gather at the top left.</summary>
    private IReadOnlyList<HeatMap.HeatCell> HeatCells => VisibleHosts
        .Select(h => FleetHeat.Cell(h, Latest(h.Host.Id), Series.Sampling(h.Host.Id), _heatMetric))
        .OrderByDescending(c => c.Percent ?? -1).ThenBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    private void AddEvent(string text)
    {
        lock (_events)
        {
            _events.AddFirst((DateTimeOffset.UtcNow, text));
            while (_events.Count > MaxEvents)
                _events.RemoveLast();
        }
    }

    private void OnMachineChanged(MachineChange change) => _ = InvokeAsync(async () =>
    {
        if (_disposed.IsCancellationRequested)
            return;
        var name = change.Removed ? null : (await MachineStore.GetAsync(change.MachineId, _disposed.Token))?.Name;
        AddEvent(change.Removed ? $"machine {change.MachineId.ToString()[..8]} deleted" : $"machine {name ?? change.MachineId.ToString()[..8]} is {change.State.ToContractName()}");
        StateHasChanged();
    });

    private void OnAlert(Alert alert) => _ = InvokeAsync(() =>
    {
        AddEvent($"alert {alert.RuleName} {alert.State} on {alert.SubjectKind} {alert.SubjectName}");
        StateHasChanged();
    });

    /// <summary>A host that stops or starts answering its sampler is an event; its other samples are not.</summary>
    private void NoteHostTransition(HostSample sample)
    {
        lock (_hostFailed)
        {
            var was = _hostFailed.GetValueOrDefault(sample.HostId);
            _hostFailed[sample.HostId] = sample.Failed;
            if (was == sample.Failed)
                return;
        }
        var name = _hosts.FirstOrDefault(h => h.Host.Id == sample.HostId)?.Host.Name ?? sample.HostId.ToString()[..8];
        AddEvent(sample.Failed ? $"host {name} stopped answering: {sample.Error}" : $"host {name} answers again");
    }

    private async Task ReloadAsync()
    {
        _hosts = await Hosts.ListAsync(_disposed.Token);
        _states = await FleetStore.CountByStateAsync(null, _disposed.Token);
        _statesReadAt = DateTimeOffset.UtcNow;
    }

    private IEnumerable<HostView> VisibleHosts => _hosts
        .Where(h => string.IsNullOrWhiteSpace(_filter) || h.Host.Name.Contains(_filter, StringComparison.OrdinalIgnoreCase))
        .OrderByDescending(h => Latest(h.Host.Id)?[MetricCatalog.H.Cpu] is { } cpu && !float.IsNaN(cpu) ? cpu : -1);

    private float[]? Latest(Guid hostId) => Series.FindHost(hostId)?.Latest is { Gap: false } p ? p.Values : null;

    private string FleetCpu
    {
        get
        {
            var values = _hosts.Select(h => Latest(h.Host.Id)?[MetricCatalog.H.Cpu]).Where(v => v is { } x && !float.IsNaN(x)).ToList();
            return values.Count == 0 ? "-" : $"{values.Average(v => v!.Value):F1} %";
        }
    }

    private string FleetMemory
    {
        get
        {
            double used = 0, allocated = 0, total = 0;
            foreach (var h in _hosts)
            {
                if (Latest(h.Host.Id) is not { } v)
                    continue;
                used += Finite(v[MetricCatalog.H.MemoryUsed]);
                allocated += Finite(v[MetricCatalog.H.MemoryAllocated]);
                total += Finite(v[MetricCatalog.H.MemoryTotal]);
            }
            return total == 0 ? "-" : $"{used / 1024:F1} / {allocated / 1024:F1} / {total / 1024:F1} GiB";
        }
    }

    private static double Finite(float v) => float.IsNaN(v) ? 0 : v;

    private static string Number(float? v) => v is { } x && !float.IsNaN(x) ? x.ToString("F0") : "-";

    private static RenderFragment Bar(float? value, float? max, string unit) => builder =>
    {
        if (value is not { } v || float.IsNaN(v) || max is not { } m || float.IsNaN(m) || m <= 0)
        {
            builder.AddContent(0, "-");
            return;
        }
        double percent = Math.Clamp(v / m * 100, 0, 100);
        builder.OpenComponent<MudBlazor.MudProgressLinear>(1);
        builder.AddAttribute(2, "Value", percent);
        builder.AddAttribute(3, "Color", percent > 90 ? MudBlazor.Color.Error : percent > 70 ? MudBlazor.Color.Warning : MudBlazor.Color.Primary);
        builder.AddAttribute(4, "Size", MudBlazor.Size.Medium);
        builder.CloseComponent();
        builder.OpenElement(5, "small");
        builder.AddContent(6, unit == "%" ? $"{v:F1} %" : $"{v:F0} / {m:F0} {unit}");
        builder.CloseElement();
    };

    private void OnSampled(HostSample sample)
    {
        NoteHostTransition(sample);
        // One render per burst of host samples, whatever the number of hosts.
        if (Interlocked.Exchange(ref _refreshPending, 1) == 1)
            return;
        _ = InvokeAsync(async () =>
        {
            await Task.Delay(500);
            Interlocked.Exchange(ref _refreshPending, 0);
            if (_disposed.IsCancellationRequested)
                return;
            if (DateTimeOffset.UtcNow - _statesReadAt > TimeSpan.FromSeconds(10))
                await ReloadAsync();
            StateHasChanged();
        });
    }

    public ValueTask DisposeAsync()
    {
        Series.Sampled -= OnSampled;
        MachineEvents.Changed -= OnMachineChanged;
        Alerts.Changed -= OnAlert;
        _disposed.Cancel();
        _disposed.Dispose();
        return ValueTask.CompletedTask;
    }
}
