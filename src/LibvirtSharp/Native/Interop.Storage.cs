using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace LibvirtSharp.Native;

internal static unsafe partial class Interop
{
    [LibraryImport(Lib)]
    internal static partial int virStoragePoolFree(nint pool);

    [LibraryImport(Lib)]
    internal static partial int virConnectListAllStoragePools(ConnectHandle conn, out nint* pools, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolLookupByName(ConnectHandle conn, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolLookupByUUIDString(ConnectHandle conn, string uuid);

    [LibraryImport(Lib)]
    internal static partial StoragePoolHandle virStoragePoolLookupByVolume(StorageVolumeHandle vol);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolDefineXML(ConnectHandle conn, string xml, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StoragePoolHandle virStoragePoolCreateXML(ConnectHandle conn, string xml, uint flags);

    [LibraryImport(Lib)]
    internal static partial byte* virStoragePoolGetName(StoragePoolHandle pool);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolGetUUIDString(StoragePoolHandle pool, byte* buf);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolBuild(StoragePoolHandle pool, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolCreate(StoragePoolHandle pool, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolDestroy(StoragePoolHandle pool);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolDelete(StoragePoolHandle pool, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolUndefine(StoragePoolHandle pool);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolRefresh(StoragePoolHandle pool, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolGetInfo(StoragePoolHandle pool, VirStoragePoolInfo* info);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virStoragePoolGetXMLDesc(StoragePoolHandle pool, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolSetAutostart(StoragePoolHandle pool, int autostart);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolGetAutostart(StoragePoolHandle pool, out int autostart);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolIsActive(StoragePoolHandle pool);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolIsPersistent(StoragePoolHandle pool);

    [LibraryImport(Lib)]
    internal static partial int virStoragePoolListAllVolumes(StoragePoolHandle pool, out nint* vols, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStorageVolFree(nint vol);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolLookupByName(StoragePoolHandle pool, string name);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolLookupByPath(ConnectHandle conn, string path);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolCreateXML(StoragePoolHandle pool, string xml, uint flags);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial StorageVolumeHandle virStorageVolCreateXMLFrom(StoragePoolHandle pool, string xml, StorageVolumeHandle clonevol, uint flags);

    [LibraryImport(Lib)]
    internal static partial byte* virStorageVolGetName(StorageVolumeHandle vol);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virStorageVolGetPath(StorageVolumeHandle vol);

    [LibraryImport(Lib)]
    internal static partial int virStorageVolGetInfo(StorageVolumeHandle vol, VirStorageVolInfo* info);

    [LibraryImport(Lib)]
    [return: MarshalUsing(typeof(OwnedUtf8StringMarshaller))]
    internal static partial string? virStorageVolGetXMLDesc(StorageVolumeHandle vol, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStorageVolDelete(StorageVolumeHandle vol, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStorageVolResize(StorageVolumeHandle vol, ulong capacity, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStorageVolUpload(StorageVolumeHandle vol, StreamHandle stream, ulong offset, ulong length, uint flags);

    [LibraryImport(Lib)]
    internal static partial int virStorageVolDownload(StorageVolumeHandle vol, StreamHandle stream, ulong offset, ulong length, uint flags);
}
