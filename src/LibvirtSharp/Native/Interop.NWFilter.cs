using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib)]
    internal static partial int virNWFilterFree(nint filter);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NWFilterHandle virNWFilterDefineXML(ConnectHandle conn, string xml);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NWFilterHandle virNWFilterLookupByName(ConnectHandle conn, string name);

    [LibraryImport(Lib)]
    internal static partial int virConnectListAllNWFilters(ConnectHandle conn, out nint* filters, uint flags);

    // Returns a pointer into the filter object: must not be freed.
    [LibraryImport(Lib)]
    internal static partial byte* virNWFilterGetName(NWFilterHandle filter);

    [LibraryImport(Lib)]
    internal static partial int virNWFilterGetUUIDString(NWFilterHandle filter, byte* buf);

    [LibraryImport(Lib)]
    internal static partial int virNWFilterUndefine(NWFilterHandle filter);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virNWFilterGetXMLDesc(NWFilterHandle filter, uint flags);
}
