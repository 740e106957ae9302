using CloudPortal.Core.Monitoring;
using Microsoft.AspNetCore.Components;

namespace CloudPortal.Web.Components.Monitoring;

/// <summary>
/// The live charts of one machine or host: the last hour comes from memory at once, then every sample of the host is
/// appended as it is taken (no polling); 24 h and 7 d come from the rollups. A gap stays a gap (null), never 0.
/// </summary>
public abstract class LiveSeriesView : ComponentBase, IAsyncDisposable
{
    private static readonly TimeSpan LiveWindow = TimeSpan.FromMinutes(10);

    [Inject] protected MetricSeries Series { get; set; } = default!;

    protected readonly CancellationTokenSource Disposed = new();
    private readonly Lock _gate = new();
    private Dictionary<string, List<(long T, double? V)>> _data = [];
    private int _renderPending;
    private bool _subscribed;

    protected string Range { get; private set; } = "live";
    protected long From { get; private set; }
    protected long To { get; private set; }
    /// <summary>Why the host does not answer, while it does not.</summary>
    protected string? HostFailing { get; set; }

    protected abstract IReadOnlyList<MetricDefinition> Catalog { get; }
    protected abstract MetricRing? Ring();
    protected abstract Task<IReadOnlyList<SeriesData>> QueryAsync(string range, CancellationToken ct);
    /// <summary>This view's values in a host sample: false when the sample is not about it; null values are a gap.</summary>
    protected abstract bool TryPick(HostSample sample, out float[]? values);

    private bool IsLive => Range is "live" or "PT1H";

    /// <summary>Loads the range and starts listening to samples (once).</summary>
    protected async Task StartAsync()
    {
        await LoadAsync();
        if (!_subscribed)
        {
            Series.Sampled += OnSampled;
            _subscribed = true;
        }
    }

    protected async Task ChangeRangeAsync(string range)
    {
        Range = range;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        var window = Range == "live" ? LiveWindow : MetricsQuery.ParseRange(Range);
        IReadOnlyList<SeriesData> series = Range == "live"
            ? MetricsQuery.FromRing(Catalog, Ring(), DateTimeOffset.UtcNow - window)
            : await QueryAsync(Range, Disposed.Token);
        lock (_gate)
        {
            _data = series.ToDictionary(s => s.Name, s => s.Points.Select(p => (p.UnixSeconds, p.Value)).ToList());
            To = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            From = To - (long)window.TotalSeconds;
        }
    }

    private void OnSampled(HostSample sample)
    {
        if (!IsLive || !TryPick(sample, out var values))
            return;
        long t = sample.Time.ToUnixTimeSeconds();
        var window = Range == "live" ? LiveWindow : TimeSpan.FromHours(1);
        lock (_gate)
        {
            for (int i = 0; i < Catalog.Count; i++)
            {
                var name = Catalog[i].Name;
                if (!_data.TryGetValue(name, out var points))
                    _data[name] = points = [];
                double? value = values is null ? null : float.IsNaN(values[i]) ? double.NaN : Math.Round(values[i], 3);
                if (value is not double.NaN)
                    points.Add((t, value));
                long cutoff = t - (long)window.TotalSeconds;
                int old = points.FindIndex(p => p.T >= cutoff);
                if (old > 0)
                    points.RemoveRange(0, old);
            }
            To = t;
            From = t - (long)window.TotalSeconds;
        }
        HostFailing = sample.Error;
        // Leave the sampling thread at once; at most one render is queued at a time.
        if (Interlocked.Exchange(ref _renderPending, 1) == 0)
            _ = InvokeAsync(() =>
            {
                Interlocked.Exchange(ref _renderPending, 0);
                StateHasChanged();
            });
    }

    protected IReadOnlyList<LineChart.Line> Lines(params (string Series, string Label, string Color)[] wanted)
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
        Disposed.Cancel();
        Disposed.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
