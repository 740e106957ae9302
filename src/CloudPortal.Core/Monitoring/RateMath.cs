namespace CloudPortal.Core.Monitoring;

/// <summary>
/// Turns two readings of cumulative counters into rates. A counter that went backwards (the guest rebooted, the
/// domain was restarted, it moved host) gives no value for that interval rather than a negative or huge rate.
/// </summary>
public static class RateMath
{
    /// <summary>The machine values of <see cref="MetricCatalog.Machine"/>; NaN where there is no value.</summary>
    public static float[] Machine(DomainCounters? previous, DomainCounters current, TimeSpan elapsed)
    {
        var values = new float[MetricCatalog.M.Count];
        Array.Fill(values, float.NaN);
        values[MetricCatalog.M.MemoryUsed] = Mib(current.MemoryUsedKiB);
        values[MetricCatalog.M.MemoryAllocated] = Mib(current.BalloonCurrentKiB);
        if (previous is not { } prev || elapsed <= TimeSpan.Zero)
            return values;

        double seconds = elapsed.TotalSeconds;
        if (current.CpuTimeNs is { } cpu && prev.CpuTimeNs is { } prevCpu && current.Vcpus > 0 && cpu >= prevCpu)
            values[MetricCatalog.M.Cpu] = (float)Math.Min(100.0, (cpu - prevCpu) / (elapsed.TotalNanoseconds * current.Vcpus) * 100.0);
        values[MetricCatalog.M.DiskRead] = PerSecond(prev.ReadBytes, current.ReadBytes, seconds);
        values[MetricCatalog.M.DiskWrite] = PerSecond(prev.WriteBytes, current.WriteBytes, seconds);
        values[MetricCatalog.M.DiskReadIops] = PerSecond(prev.ReadRequests, current.ReadRequests, seconds);
        values[MetricCatalog.M.DiskWriteIops] = PerSecond(prev.WriteRequests, current.WriteRequests, seconds);
        values[MetricCatalog.M.NetRx] = PerSecond(prev.RxBytes, current.RxBytes, seconds);
        values[MetricCatalog.M.NetTx] = PerSecond(prev.TxBytes, current.TxBytes, seconds);
        return values;
    }

    /// <summary>The host values of <see cref="MetricCatalog.Host"/> except the allocation sums, which the caller adds.</summary>
    public static float[] Host(HostCounters? previous, HostCounters current)
    {
        var values = new float[MetricCatalog.H.Count];
        Array.Fill(values, float.NaN);
        values[MetricCatalog.H.MemoryUsed] = Mib(current.MemoryUsedKiB);
        values[MetricCatalog.H.MemoryTotal] = Mib(current.MemoryTotalKiB);
        if (previous is { } prev && current.CpuBusyNs is { } busy && current.CpuTotalNs is { } total
            && prev.CpuBusyNs is { } prevBusy && prev.CpuTotalNs is { } prevTotal
            && busy >= prevBusy && total > prevTotal)
        {
            values[MetricCatalog.H.Cpu] = (float)Math.Min(100.0, (double)(busy - prevBusy) / (total - prevTotal) * 100.0);
        }
        return values;
    }

    /// <summary>
    /// Fills the host's disk and network rates with the sum of its domains' rates of the same sample. A domain
    /// without a rate this time (no baseline yet, a counter reset) adds nothing; when no domain has one the host
    /// has none either (NaN, not 0), except that a host without domains does no guest I/O at all (0).
    /// </summary>
    public static void SumMachineIo(float[] hostValues, IReadOnlyCollection<float[]> machineValues)
    {
        (int Host, int Machine)[] pairs =
        [
            (MetricCatalog.H.DiskRead, MetricCatalog.M.DiskRead), (MetricCatalog.H.DiskWrite, MetricCatalog.M.DiskWrite),
            (MetricCatalog.H.NetRx, MetricCatalog.M.NetRx), (MetricCatalog.H.NetTx, MetricCatalog.M.NetTx),
        ];
        foreach (var (host, machine) in pairs)
        {
            double sum = 0;
            bool any = machineValues.Count == 0;
            foreach (var values in machineValues)
            {
                if (float.IsNaN(values[machine]))
                    continue;
                sum += values[machine];
                any = true;
            }
            hostValues[host] = any ? (float)sum : float.NaN;
        }
    }

    public static float PerSecond(ulong previous, ulong current, double seconds) =>
        current >= previous && seconds > 0 ? (float)((current - previous) / seconds) : float.NaN;

    private static float Mib(ulong? kib) => kib is { } k ? k / 1024f : float.NaN;
}
