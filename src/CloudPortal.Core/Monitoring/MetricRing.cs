namespace CloudPortal.Core.Monitoring;

/// <summary>One sample of an entity: when, and its values in catalogue order (NaN where there is none).</summary>
public sealed record MetricPoint(DateTimeOffset Time, float[] Values, bool Gap = false);

/// <summary>
/// The last stretch of samples of one machine or host at full resolution, in a fixed circular buffer: the
/// oldest sample is overwritten, so memory stays bounded whatever the uptime. A gap marker (all NaN, Gap set)
/// records that sampling failed, so a chart breaks the line there instead of drawing zeros.
/// </summary>
public sealed class MetricRing
{
    private readonly Lock _gate = new();
    private readonly long[] _times;
    private readonly float[] _values;
    private readonly bool[] _gaps;
    private readonly int _width;
    private int _next;
    private int _count;

    public MetricRing(int capacity, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        _times = new long[capacity];
        _values = new float[capacity * width];
        _gaps = new bool[capacity];
        _width = width;
    }

    public int Capacity => _times.Length;
    public int Count { get { lock (_gate) return _count; } }

    public void Add(DateTimeOffset time, ReadOnlySpan<float> values)
    {
        if (values.Length != _width)
            throw new ArgumentException($"A sample has {_width} values, not {values.Length}.", nameof(values));
        lock (_gate)
        {
            _times[_next] = time.ToUnixTimeMilliseconds();
            values.CopyTo(_values.AsSpan(_next * _width, _width));
            _gaps[_next] = false;
            Advance();
        }
    }

    /// <summary>Marks that a sample is missing here; consecutive failures leave a single marker.</summary>
    public void AddGap(DateTimeOffset time)
    {
        lock (_gate)
        {
            if (_count > 0 && _gaps[(_next - 1 + Capacity) % Capacity])
                return;
            _times[_next] = time.ToUnixTimeMilliseconds();
            _values.AsSpan(_next * _width, _width).Fill(float.NaN);
            _gaps[_next] = true;
            Advance();
        }
    }

    /// <summary>Samples at or after <paramref name="since"/>, oldest first.</summary>
    public IReadOnlyList<MetricPoint> Since(DateTimeOffset since)
    {
        long from = since.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            var result = new List<MetricPoint>(_count);
            int start = (_next - _count + Capacity) % Capacity;
            for (int i = 0; i < _count; i++)
            {
                int slot = (start + i) % Capacity;
                if (_times[slot] < from)
                    continue;
                result.Add(new MetricPoint(DateTimeOffset.FromUnixTimeMilliseconds(_times[slot]),
                    _values.AsSpan(slot * _width, _width).ToArray(), _gaps[slot]));
            }
            return result;
        }
    }

    /// <summary>The newest sample, or null when there is none yet.</summary>
    public MetricPoint? Latest
    {
        get
        {
            lock (_gate)
            {
                if (_count == 0)
                    return null;
                int slot = (_next - 1 + Capacity) % Capacity;
                return new MetricPoint(DateTimeOffset.FromUnixTimeMilliseconds(_times[slot]),
                    _values.AsSpan(slot * _width, _width).ToArray(), _gaps[slot]);
            }
        }
    }

    private void Advance()
    {
        _next = (_next + 1) % Capacity;
        if (_count < Capacity)
            _count++;
    }
}
