namespace CloudPortal.Core.Monitoring;

/// <summary>One aggregated bucket: the average and maximum of a metric over [Bucket, Bucket + Resolution).</summary>
public sealed record MetricRollup(MetricEntity Entity, Guid EntityId, string Metric, int ResolutionSeconds, long BucketUnixSeconds,
    double Average, double Max, int Samples);

public static class RollupResolutions
{
    public const int Minute = 60;
    public const int Hour = 3600;
    public static readonly TimeSpan MinuteRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan HourRetention = TimeSpan.FromDays(365);
}

/// <summary>What the rollups are kept in (SQLite in the portal).</summary>
public interface IMetricRollupStore
{
    /// <summary>Writes the rollups in one transaction; a bucket written again (a partial one at shutdown) is replaced.</summary>
    Task WriteAsync(IReadOnlyCollection<MetricRollup> rollups, CancellationToken ct);
    /// <summary>The rollups of one entity at one resolution in [from, to), by metric then time.</summary>
    Task<IReadOnlyList<MetricRollup>> ReadAsync(Guid entityId, int resolutionSeconds, long fromUnixSeconds, long toUnixSeconds, CancellationToken ct);
    /// <summary>Deletes buckets older than their resolution's retention; returns how many went.</summary>
    Task<int> PruneAsync(DateTimeOffset now, CancellationToken ct);
}

/// <summary>
/// Accumulates one entity's samples into minute and hour buckets; a bucket is handed out once a sample of a later
/// bucket arrives (or when flushed at shutdown). NaN values (no value, gap) are not counted.
/// </summary>
public sealed class RollupAccumulator(MetricEntity entity, Guid entityId, IReadOnlyList<MetricDefinition> metrics)
{
    private readonly Bucket _minute = new(RollupResolutions.Minute, metrics.Count);
    private readonly Bucket _hour = new(RollupResolutions.Hour, metrics.Count);

    public void Add(DateTimeOffset time, ReadOnlySpan<float> values, List<MetricRollup> completed)
    {
        long t = time.ToUnixTimeSeconds();
        _minute.Add(t, values, this, completed);
        _hour.Add(t, values, this, completed);
    }

    /// <summary>Hands out the open buckets as they stand (shutdown); they are replaced if more samples come.</summary>
    public void Flush(List<MetricRollup> completed)
    {
        _minute.Emit(this, completed);
        _hour.Emit(this, completed);
    }

    private sealed class Bucket(int resolution, int width)
    {
        private readonly double[] _sum = new double[width];
        private readonly double[] _max = new double[width];
        private readonly int[] _count = new int[width];
        private long _start = long.MinValue;

        public void Add(long t, ReadOnlySpan<float> values, RollupAccumulator owner, List<MetricRollup> completed)
        {
            long start = t - t % resolution;
            if (start != _start)
            {
                Emit(owner, completed);
                Reset(start);
            }
            for (int i = 0; i < values.Length; i++)
            {
                float v = values[i];
                if (float.IsNaN(v))
                    continue;
                _sum[i] += v;
                _max[i] = _count[i] == 0 ? v : Math.Max(_max[i], v);
                _count[i]++;
            }
        }

        public void Emit(RollupAccumulator owner, List<MetricRollup> completed)
        {
            if (_start == long.MinValue)
                return;
            for (int i = 0; i < _count.Length; i++)
            {
                if (_count[i] > 0)
                    completed.Add(new MetricRollup(owner._entity, owner._entityId, owner._metrics[i].Name, resolution, _start,
                        _sum[i] / _count[i], _max[i], _count[i]));
            }
        }

        private void Reset(long start)
        {
            _start = start;
            Array.Clear(_sum);
            Array.Clear(_max);
            Array.Clear(_count);
        }
    }

    private readonly MetricEntity _entity = entity;
    private readonly Guid _entityId = entityId;
    private readonly IReadOnlyList<MetricDefinition> _metrics = metrics;
}
