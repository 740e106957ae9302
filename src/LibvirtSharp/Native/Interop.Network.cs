using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib)]
    internal static partial int virNetworkFree(nint network);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NetworkHandle virNetworkDefineXML(ConnectHandle conn, string xml);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NetworkHandle virNetworkLookupByName(ConnectHandle conn, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NetworkHandle virNetworkLookupByUUIDString(ConnectHandle conn, string uuid);

    [LibraryImport(Lib)]
    internal static partial int virConnectListAllNetworks(ConnectHandle conn, out nint* networks, uint flags);

    // Returns a pointer into the network object: must not be freed.
    [LibraryImport(Lib)]
    internal static partial byte* virNetworkGetName(NetworkHandle network);

    [LibraryImport(Lib)]
    internal static partial int virNetworkGetUUIDString(NetworkHandle network, byte* buf);

    [LibraryImport(Lib)]
    internal static partial int virNetworkCreate(NetworkHandle network);

    [LibraryImport(Lib)]
    internal static partial int virNetworkDestroy(NetworkHandle network);

    [LibraryImport(Lib)]
    internal static partial int virNetworkUndefine(NetworkHandle network);

    [LibraryImport(Lib)]
    internal static partial int virNetworkSetAutostart(NetworkHandle network, int autostart);

    [LibraryImport(Lib)]
    internal static partial int virNetworkGetAutostart(NetworkHandle network, out int autostart);

    [LibraryImport(Lib)]
    internal static partial int virNetworkIsActive(NetworkHandle network);

    [LibraryImport(Lib)]
    internal static partial int virNetworkIsPersistent(NetworkHandle network);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virNetworkGetXMLDesc(NetworkHandle network, uint flags);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virNetworkGetBridgeName(NetworkHandle network);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virNetworkGetDHCPLeases(NetworkHandle network, string? mac, out VirNetworkDHCPLease** leases, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virNetworkUpdate(NetworkHandle network, uint command, uint section, int parentIndex, string xml, uint flags);

    [LibraryImport(Lib)]
    internal static partial void virNetworkDHCPLeaseFree(VirNetworkDHCPLease* lease);
}
