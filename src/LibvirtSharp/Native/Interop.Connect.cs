using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ConnectHandle virConnectOpenAuth(string name, VirConnectAuth* auth, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virConnectClose(nint conn);

    [LibraryImport(Lib)]
    internal static partial int virConnectIsAlive(ConnectHandle conn);

    [LibraryImport(Lib)]
    internal static partial int virConnectSetKeepAlive(ConnectHandle conn, int interval, uint count);

    [LibraryImport(Lib)]
    internal static partial int virNodeGetInfo(ConnectHandle conn, VirNodeInfo* info);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virConnectGetCapabilities(ConnectHandle conn);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virConnectGetDomainCapabilities(
        ConnectHandle conn, string? emulatorbin, string? arch, string? machine, string? virttype, uint flags);

    // Returns a static string owned by libvirt: must not be freed.
    [LibraryImport(Lib)]
    internal static partial byte* virConnectGetType(ConnectHandle conn);

    [LibraryImport(Lib)]
    internal static partial int virConnectGetVersion(ConnectHandle conn, out CULong hvVer);

    [LibraryImport(Lib)]
    internal static partial int virConnectGetLibVersion(ConnectHandle conn, out CULong libVer);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virConnectGetHostname(ConnectHandle conn);

    [LibraryImport(Lib)]
    internal static partial int virConnectListAllDomains(ConnectHandle conn, out nint* domains, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainDefineXMLFlags(ConnectHandle conn, string xml, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByUUIDString(ConnectHandle conn, string uuid);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByName(ConnectHandle conn, string name);

    // cb is typed per event ID by libvirt, hence the untyped pointer here.
    [LibraryImport(Lib)]
    internal static partial int virConnectDomainEventRegisterAny(
        ConnectHandle conn, nint dom, int eventId, void* cb, nint opaque, delegate* unmanaged[Cdecl]<nint, void> freecb);

    [LibraryImport(Lib)]
    internal static partial int virConnectDomainEventDeregisterAny(ConnectHandle conn, int callbackId);

    [LibraryImport(Lib)]
    internal static partial int virConnectRegisterCloseCallback(
        ConnectHandle conn, delegate* unmanaged[Cdecl]<nint, int, nint, void> cb, nint opaque, delegate* unmanaged[Cdecl]<nint, void> freecb);

    [LibraryImport(Lib)]
    internal static partial int virConnectUnregisterCloseCallback(
        ConnectHandle conn, delegate* unmanaged[Cdecl]<nint, int, nint, void> cb);
}
