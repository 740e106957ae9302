namespace LibvirtSharp;

/// <summary>Host-wide CPU times in nanoseconds (<c>virNodeGetCPUStats</c>) by field: "kernel", "user", "idle", "iowait" ...</summary>
public sealed record NodeCpuStats(IReadOnlyDictionary<string, ulong> Values)
{
    /// <summary>The named time, or null when the driver does not report it.</summary>
    public ulong? Get(string field) => Values.TryGetValue(field, out var v) ? v : null;
}

/// <summary>Host memory in KiB (<c>virNodeGetMemoryStats</c>) by field: "total", "free", "buffers", "cached".</summary>
public sealed record NodeMemoryStats(IReadOnlyDictionary<string, ulong> Values)
{
    /// <summary>The named amount, or null when the driver does not report it.</summary>
    public ulong? Get(string field) => Values.TryGetValue(field, out var v) ? v : null;
}
