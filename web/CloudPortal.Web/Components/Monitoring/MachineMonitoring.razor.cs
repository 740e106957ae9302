using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Monitoring;
using CloudPortal.Web.Accounts;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace CloudPortal.Web.Components.Monitoring;

/// <summary>
/// A machine's live charts: the last hour comes from memory at once, then every sample of its host is appended as
/// it is taken (no polling); 24 h and 7 d come from the rollups.
/// </summary>
public sealed partial class MachineMonitoring
{
    private static readonly TimeSpan LiveWindow = TimeSpan.FromMinutes(10);

    [Parameter] public Guid Id { get; set; }
    [Inject] private MachineService Machines { get; set; } = default!;
    [Inject] private MetricsQuery Query { get; set; } = default!;
    [Inject] private MetricSeries Series { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private Dictionary<string, List<(long T, double? V)>> _data = [];
    private Machine? _machine;
    private string _range = "live";
    private string? _error;
    private string? _hostFailing;
    private long _from;
    private long _to;
    private int _renderPending;
    private bool _subscribed;

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            var caller = (await AuthenticationState).User.ToCaller();
            _machine = await Machines.GetAsync(caller, Id, _disposed.Token);
            await LoadAsync();
            if (!_subscribed)
            {
                Series.Sampled += OnSampled;
                _subscribed = true;
            }
        }
        catch (NotFoundException ex)
        {
            _error = ex.Message;
        }
    }

    private bool IsLive => _range is "live" or "PT1H";

    private async Task ChangeRangeAsync(string range)
    {
        _range = range;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var caller = (await AuthenticationState).User.ToCaller();
        var window = _range == "live" ? LiveWindow : MetricsQuery.ParseRange(_range);
        IReadOnlyList<SeriesData> series = _range == "live"
            ? MetricsQuery.FromRing(MetricCatalog.Machine, Series.FindMachine(Id), DateTimeOffset.UtcNow - window)
            : await Query.MachineAsync(caller, Id, _range, _disposed.Token);
        lock (_gate)
        {
            _data = series.ToDictionary(s => s.Name, s => s.Points.Select(p => (p.UnixSeconds, p.Value)).ToList());
            _to = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            _from = _to - (long)window.TotalSeconds;
        }
        _hostFailing = Series.Sampling(_machine!.HostId) is { Failing: true } s ? s.LastError : null;
    }

    private void OnSampled(HostSample sample)
    {
        if (!IsLive)
            return;
        var mine = sample.Machines.FirstOrDefault(m => m.MachineId == Id);
        if (mine is null)
            return;
        long t = sample.Time.ToUnixTimeSeconds();
        var window = _range == "live" ? LiveWindow : TimeSpan.FromHours(1);
        lock (_gate)
        {
            for (int i = 0; i < MetricCatalog.Machine.Count; i++)
            {
                var name = MetricCatalog.Machine[i].Name;
                if (!_data.TryGetValue(name, out var points))
                    _data[name] = points = [];
                double? value = mine.Values is null ? null : float.IsNaN(mine.Values[i]) ? double.NaN : Math.Round(mine.Values[i], 3);
                if (value is not double.NaN)
                    points.Add((t, value));
                long cutoff = t - (long)window.TotalSeconds;
                int old = points.FindIndex(p => p.T >= cutoff);
                if (old > 0)
                    points.RemoveRange(0, old);
            }
            _to = t;
            _from = t - (long)window.TotalSeconds;
        }
        _hostFailing = sample.Error;
        // Leave the sampling thread at once; at most one render is queued at a time.
        if (Interlocked.Exchange(ref _renderPending, 1) == 0)
            _ = InvokeAsync(() =>
            {
                Interlocked.Exchange(ref _renderPending, 0);
                StateHasChanged();
            });
    }

    private IReadOnlyList<LineChart.Line> Lines(params (string Series, string Label, string Color)[] wanted)
    {
        lock (_gate)
        {
            return wanted.Where(w => _data.ContainsKey(w.Series))
                .Select(w => new LineChart.Line(w.Label, w.Color, _data[w.Series].ToList()))
                .ToList();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_subscribed)
            Series.Sampled -= OnSampled;
        _disposed.Cancel();
        _disposed.Dispose();
        return ValueTask.CompletedTask;
    }
}
