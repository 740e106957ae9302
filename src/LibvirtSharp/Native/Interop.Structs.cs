using System.Runtime.InteropServices;

namespace LibvirtSharp.Native;

// Layouts mirror libvirt's public headers; C "unsigned long" is CULong so the layout stays right on LLP64 too.

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirError
{
    public int Code;
    public int Domain;
    public byte* Message;
    public int Level;
    public nint Conn;
    public nint Dom;
    public byte* Str1;
    public byte* Str2;
    public byte* Str3;
    public int Int1;
    public int Int2;
    public nint Net;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirConnectCredential
{
    public int Type;
    public byte* Prompt;
    public byte* Challenge;
    public byte* DefResult;
    public byte* Result;
    public uint ResultLen;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirConnectAuth
{
    public int* CredType;
    public uint NCredType;
    public delegate* unmanaged[Cdecl]<VirConnectCredential*, uint, void*, int> Callback;
    public void* CallbackData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNodeInfo
{
    public fixed byte Model[32];
    public CULong Memory;
    public uint Cpus;
    public uint Mhz;
    public uint Nodes;
    public uint Sockets;
    public uint Cores;
    public uint Threads;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainInfo
{
    public byte State;
    public CULong MaxMem;
    public CULong Memory;
    public ushort NrVirtCpu;
    public ulong CpuTime;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VirStoragePoolInfo
{
    public int State;
    public ulong Capacity;
    public ulong Allocation;
    public ulong Available;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VirStorageVolInfo
{
    public int Type;
    public ulong Capacity;
    public ulong Allocation;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNetworkDHCPLease
{
    public byte* Iface;
    public long ExpiryTime;
    public int Type;
    public byte* Mac;
    public byte* Iaid;
    public byte* IpAddr;
    public uint Prefix;
    public byte* Hostname;
    public byte* ClientId;
}
