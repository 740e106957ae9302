using LibvirtSharp;

namespace CloudPortal.Core.Monitoring;

/// <summary>The cumulative counters and gauges of one domain at one instant, taken from its bulk-stats record.</summary>
public readonly record struct DomainCounters(
    DomainState State,
    ulong? CpuTimeNs,
    uint Vcpus,
    ulong? BalloonCurrentKiB,
    ulong? MemoryUsedKiB,
    ulong ReadBytes,
    ulong WriteBytes,
    ulong ReadRequests,
    ulong WriteRequests,
    ulong RxBytes,
    ulong TxBytes)
{
    public static DomainCounters From(DomainStatsRecord record)
    {
        ulong readBytes = 0, writeBytes = 0, readReqs = 0, writeReqs = 0, rx = 0, tx = 0;
        int blocks = (int)(record.GetUInt64("block.count") ?? 0);
        for (int i = 0; i < blocks; i++)
        {
            readBytes += record.GetUInt64($"block.{i}.rd.bytes") ?? 0;
            writeBytes += record.GetUInt64($"block.{i}.wr.bytes") ?? 0;
            readReqs += record.GetUInt64($"block.{i}.rd.reqs") ?? 0;
            writeReqs += record.GetUInt64($"block.{i}.wr.reqs") ?? 0;
        }
        int nets = (int)(record.GetUInt64("net.count") ?? 0);
        for (int i = 0; i < nets; i++)
        {
            rx += record.GetUInt64($"net.{i}.rx.bytes") ?? 0;
            tx += record.GetUInt64($"net.{i}.tx.bytes") ?? 0;
        }
        // The guest's view (available less unused) needs its balloon driver; a guest without one still has a
        // host-side resident set, which is what it costs the host.
        ulong? used = record.GetUInt64("balloon.available") is { } available && record.GetUInt64("balloon.unused") is { } unused && available >= unused
            ? available - unused
            : record.GetUInt64("balloon.rss");
        return new DomainCounters(
            record.State ?? DomainState.NoState,
            record.GetUInt64("cpu.time"),
            (uint)(record.GetUInt64("vcpu.current") ?? 0),
            record.GetUInt64("balloon.current"),
            used,
            readBytes, writeBytes, readReqs, writeReqs, rx, tx);
    }

    public bool IsRunning => State is DomainState.Running or DomainState.Blocked;
}

/// <summary>Host CPU times (ns, summed over CPUs) and memory (KiB) at one instant; null where the driver has none.</summary>
public readonly record struct HostCounters(ulong? CpuBusyNs, ulong? CpuTotalNs, ulong? MemoryTotalKiB, ulong? MemoryUsedKiB)
{
    public static HostCounters From(NodeCpuStats? cpu, NodeMemoryStats? memory)
    {
        ulong? busy = null, total = null;
        if (cpu is not null && cpu.Get("idle") is { } idle)
        {
            // Linux reports kernel/user/idle/iowait; iowait is idle time waiting on I/O, not work.
            busy = (cpu.Get("kernel") ?? 0) + (cpu.Get("user") ?? 0) + (cpu.Get("system") ?? 0);
            total = busy + idle + (cpu.Get("iowait") ?? 0);
        }
        ulong? memTotal = memory?.Get("total"), used = null;
        if (memTotal is { } t && memory!.Get("free") is { } free)
        {
            ulong reclaimable = free + (memory.Get("buffers") ?? 0) + (memory.Get("cached") ?? 0);
            used = t > reclaimable ? t - reclaimable : 0;
        }
        return new HostCounters(busy, total, memTotal, used);
    }
}
