using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib)]
    internal static partial int virDomainSnapshotFree(nint snapshot);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainSnapshotHandle virDomainSnapshotCreateXML(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainSnapshotHandle virDomainSnapshotLookupByName(DomainHandle domain, string name, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainListAllSnapshots(DomainHandle domain, out nint* snapshots, uint flags);

    [LibraryImport(Lib)]
    internal static partial byte* virDomainSnapshotGetName(DomainSnapshotHandle snapshot);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virDomainSnapshotGetXMLDesc(DomainSnapshotHandle snapshot, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainRevertToSnapshot(DomainSnapshotHandle snapshot, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virDomainSnapshotDelete(DomainSnapshotHandle snapshot, uint flags);
}
