using System.Runtime.InteropServices;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib)]
    internal static partial int virConnectGetAllDomainStats(ConnectHandle conn, uint stats, out VirDomainStatsRecord** retStats, uint flags);

    [LibraryImport(Lib)]
    internal static partial void virDomainStatsRecordListFree(VirDomainStatsRecord** stats);

    // Raw domain pointer: the records own their domains, so the UUID is read without taking a reference.
    [LibraryImport(Lib, EntryPoint = "virDomainGetUUID")]
    internal static partial int virDomainGetUUIDRaw(nint domain, byte* uuid);

    [LibraryImport(Lib)]
    internal static partial int virNodeGetCPUStats(ConnectHandle conn, int cpuNum, VirNodeStatsEntry* parameters, ref int nparams, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virNodeGetMemoryStats(ConnectHandle conn, int cellNum, VirNodeStatsEntry* parameters, ref int nparams, uint flags);
}

/// <summary><c>virDomainStatsRecord</c>: one domain's typed parameters.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirDomainStatsRecord
{
    public nint Dom;
    public VirTypedParameter* Params;
    public int NParams;
}

/// <summary><c>virTypedParameter</c>: an 80-byte field name, a type tag and an 8-byte value union.</summary>
[StructLayout(LayoutKind.Explicit, Size = 96)]
internal unsafe struct VirTypedParameter
{
    public const int FieldLength = 80;

    [FieldOffset(0)] public fixed byte Field[FieldLength];
    [FieldOffset(80)] public int Type;
    [FieldOffset(88)] public int I;
    [FieldOffset(88)] public uint UI;
    [FieldOffset(88)] public long L;
    [FieldOffset(88)] public ulong UL;
    [FieldOffset(88)] public double D;
    [FieldOffset(88)] public byte B;
    [FieldOffset(88)] public byte* S;
}

/// <summary><c>virNodeCPUStats</c> and <c>virNodeMemoryStats</c> share this layout: an 80-byte name and a ulonglong.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNodeStatsEntry
{
    public fixed byte Field[80];
    public ulong Value;
}
