using LibvirtSharp.Native;

namespace LibvirtSharp;

public sealed partial class Connection
{
    private const int AllCpus = -1;   // VIR_NODE_CPU_STATS_ALL_CPUS
    private const int AllCells = -1;  // VIR_NODE_MEMORY_STATS_ALL_CELLS

    /// <summary>
    /// Stats of every domain matching <paramref name="flags"/> in one call (<c>virConnectGetAllDomainStats</c>),
    /// decoded into managed records; libvirt's list is freed before this returns.
    /// </summary>
    public unsafe IReadOnlyList<DomainStatsRecord> GetAllDomainStats(DomainStatsGroups groups, DomainStatsFlags flags = DomainStatsFlags.None)
    {
        int count = Interop.virConnectGetAllDomainStats(Handle, (uint)groups, out VirDomainStatsRecord** records, (uint)flags);
        if (count < 0)
            throw LibvirtException.FromLastError("virConnectGetAllDomainStats");
        try
        {
            return DecodeStatsList(records, count);
        }
        finally
        {
            Interop.virDomainStatsRecordListFree(records);
        }
    }

    /// <summary>Decodes a NULL-terminated record list of <paramref name="count"/> entries; the list stays the caller's.</summary>
    internal static unsafe DomainStatsRecord[] DecodeStatsList(VirDomainStatsRecord** records, int count)
    {
        var result = new DomainStatsRecord[count];
        for (int i = 0; i < count; i++)
            result[i] = TypedParameterDecoder.DecodeRecord(records[i]);
        return result;
    }

    /// <summary>Host CPU times summed over all CPUs (<c>virNodeGetCPUStats</c>).</summary>
    public unsafe NodeCpuStats GetNodeCpuStats()
    {
        var values = ReadNodeStats(static (handle, entries, n) => Interop.virNodeGetCPUStats(handle, AllCpus, entries, ref n, 0) < 0 ? -1 : n,
            "virNodeGetCPUStats");
        return new NodeCpuStats(values);
    }

    /// <summary>Host memory over all NUMA cells (<c>virNodeGetMemoryStats</c>).</summary>
    public unsafe NodeMemoryStats GetNodeMemoryStats()
    {
        var values = ReadNodeStats(static (handle, entries, n) => Interop.virNodeGetMemoryStats(handle, AllCells, entries, ref n, 0) < 0 ? -1 : n,
            "virNodeGetMemoryStats");
        return new NodeMemoryStats(values);
    }

    private unsafe delegate int NodeStatsCall(ConnectHandle handle, VirNodeStatsEntry* entries, int capacity);

    // Both calls answer their parameter count when given no array, then fill an array of that size.
    private unsafe Dictionary<string, ulong> ReadNodeStats(NodeStatsCall call, string operation)
    {
        int count = call(Handle, null, 0);
        if (count < 0)
            throw LibvirtException.FromLastError(operation);
        var values = new Dictionary<string, ulong>(count, StringComparer.Ordinal);
        if (count == 0)
            return values;
        var entries = stackalloc VirNodeStatsEntry[count];
        int filled = call(Handle, entries, count);
        if (filled < 0)
            throw LibvirtException.FromLastError(operation);
        for (int i = 0; i < Math.Min(filled, count); i++)
            values[TypedParameterDecoder.FieldName(entries[i].Field, 80)] = entries[i].Value;
        return values;
    }
}
