namespace CloudPortal.Core.Common;

/// <summary>Timestamps in the store are UTC and truncated to milliseconds so that they round-trip as text.</summary>
public static class Clock
{
    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
    }
}
