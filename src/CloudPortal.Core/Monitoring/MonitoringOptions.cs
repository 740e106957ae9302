namespace CloudPortal.Core.Monitoring;

/// <summary>Settings under CloudPortal:Monitoring.</summary>
public sealed class MonitoringOptions
{
    public const string Section = "CloudPortal:Monitoring";
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often each host is sampled (one bulk stats call); 1 s at the least.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How much full-resolution history is kept in memory per machine and host.</summary>
    public TimeSpan History { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often finished rollup buckets are written to the database, in one batch.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often old rollups are deleted.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Whether /metrics labels machine gauges with their tenant (tenant_id). Off unless an administrator asks: a
    /// scrape then tells which tenant runs what, which a shared monitoring system may not be meant to know.
    /// </summary>
    public bool MetricsTenantLabels { get; set; }

    public int RingCapacity => (int)Math.Ceiling(History / Interval) + 2;

    public void Validate()
    {
        if (Interval < MinimumInterval)
            throw new InvalidOperationException($"{Section}:Interval must be at least {MinimumInterval.TotalSeconds:0} s; it is {Interval}.");
        if (History < Interval)
            throw new InvalidOperationException($"{Section}:History must be at least one interval.");
    }
}
