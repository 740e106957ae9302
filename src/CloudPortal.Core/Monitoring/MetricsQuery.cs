using System.Xml;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Monitoring;

/// <summary>One named series; a null value is a gap (sampling failed there).</summary>
public sealed record SeriesData(string Name, string Unit, IReadOnlyList<(long UnixSeconds, double? Value)> Points);

/// <summary>
/// Answers "the metrics of this machine/host over the last range": the in-memory ring at full resolution while
/// the range fits in it, minute rollups up to 7 days, hour rollups beyond (avg, plus a ".max" series).
/// </summary>
public sealed class MetricsQuery(MetricSeries series, IMetricRollupStore store, MachineService machines, IHostStore hosts)
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxRange = RollupResolutions.HourRetention;

    public async Task<IReadOnlyList<SeriesData>> MachineAsync(Caller caller, Guid machineId, string? range, CancellationToken ct)
    {
        var span = ParseRange(range);
        var machine = await machines.GetAsync(caller, machineId, ct);
        return await ReadAsync(machine.Id, MetricCatalog.Machine, series.FindMachine(machine.Id), span, ct);
    }

    public async Task<IReadOnlyList<SeriesData>> HostAsync(Caller caller, Guid hostId, string? range, CancellationToken ct)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators see host metrics.");
        var span = ParseRange(range);
        var host = await hosts.GetAsync(hostId, ct) ?? throw new NotFoundException($"Host {hostId} was not found.");
        return await ReadAsync(host.Id, MetricCatalog.Host, series.FindHost(host.Id), span, ct);
    }

    /// <summary>An ISO 8601 duration (PT1H, P7D ...) between one minute and a year; absent means one hour.</summary>
    public static TimeSpan ParseRange(string? range)
    {
        if (string.IsNullOrWhiteSpace(range))
            return DefaultRange;
        TimeSpan span;
        try
        {
            span = XmlConvert.ToTimeSpan(range.Trim());
        }
        catch (FormatException)
        {
            throw ValidationFailedException.For("range", $"range '{range}' is not an ISO 8601 duration such as PT1H, PT24H or P7D.");
        }
        catch (OverflowException)
        {
            throw ValidationFailedException.For("range", $"range '{range}' is longer than a year.");
        }
        if (span < TimeSpan.FromMinutes(1) || span > MaxRange)
            throw ValidationFailedException.For("range", $"range must be between PT1M and P365D; '{range}' is not.");
        return span;
    }

    private async Task<IReadOnlyList<SeriesData>> ReadAsync(Guid id, IReadOnlyList<MetricDefinition> catalog, MetricRing? ring, TimeSpan span, CancellationToken ct)
    {
        var now = Clock.Now();
        if (span <= series.History)
            return FromRing(catalog, ring, now - span);

        int resolution = span <= RollupResolutions.MinuteRetention ? RollupResolutions.Minute : RollupResolutions.Hour;
        var rows = await store.ReadAsync(id, resolution, (now - span).ToUnixTimeSeconds(), now.ToUnixTimeSeconds() + 1, ct);
        return FromRollups(catalog, rows, resolution);
    }

    /// <summary>
    /// Rollup rows as series (avg, plus ".max"), with a null point one resolution after any bucket whose successor
    /// is further away than that: an outage writes no buckets, and without the null a chart would draw a straight
    /// line across it. The window's edges get no null: a chart draws nothing before its first or after its last
    /// point anyway, and the newest bucket is still being accumulated, so missing data there is not a gap yet.
    /// </summary>
    public static IReadOnlyList<SeriesData> FromRollups(IReadOnlyList<MetricDefinition> catalog, IReadOnlyList<MetricRollup> rows, int resolution)
    {
        var byMetric = rows.ToLookup(r => r.Metric);
        var result = new List<SeriesData>(catalog.Count * 2);
        foreach (var metric in catalog)
        {
            var buckets = byMetric[metric.Name].OrderBy(r => r.BucketUnixSeconds).ToList();
            var averages = new List<(long, double?)>(buckets.Count);
            var maxima = new List<(long, double?)>(buckets.Count);
            for (int i = 0; i < buckets.Count; i++)
            {
                var bucket = buckets[i];
                if (i > 0 && bucket.BucketUnixSeconds - buckets[i - 1].BucketUnixSeconds > resolution)
                {
                    long gapAt = buckets[i - 1].BucketUnixSeconds + resolution;
                    averages.Add((gapAt, null));
                    maxima.Add((gapAt, null));
                }
                averages.Add((bucket.BucketUnixSeconds, bucket.Average));
                maxima.Add((bucket.BucketUnixSeconds, bucket.Max));
            }
            result.Add(new SeriesData(metric.Name, metric.Unit, averages));
            result.Add(new SeriesData(metric.Name + ".max", metric.Unit, maxima));
        }
        return result;
    }

    /// <summary>The ring's samples since <paramref name="since"/> as series; gaps become null points.</summary>
    public static IReadOnlyList<SeriesData> FromRing(IReadOnlyList<MetricDefinition> catalog, MetricRing? ring, DateTimeOffset since)
    {
        var samples = ring?.Since(since) ?? [];
        var result = new List<SeriesData>(catalog.Count);
        for (int i = 0; i < catalog.Count; i++)
        {
            var points = new List<(long, double?)>(samples.Count);
            foreach (var sample in samples)
            {
                float v = sample.Values[i];
                if (sample.Gap)
                    points.Add((sample.Time.ToUnixTimeSeconds(), null));
                else if (!float.IsNaN(v))
                    points.Add((sample.Time.ToUnixTimeSeconds(), Math.Round(v, 3)));
            }
            result.Add(new SeriesData(catalog[i].Name, catalog[i].Unit, points));
        }
        return result;
    }
}
