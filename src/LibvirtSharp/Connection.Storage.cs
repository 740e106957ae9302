using LibvirtSharp.Native;

namespace LibvirtSharp;

public sealed partial class Connection
{
    /// <summary>All storage pools, active and inactive. Each returned <see cref="StoragePool"/> must be disposed.</summary>
    public unsafe IReadOnlyList<StoragePool> ListAllStoragePools()
    {
        int count = Interop.virConnectListAllStoragePools(Handle, out nint* array, 0);
        if (count < 0)
            throw LibvirtException.FromLastError("virConnectListAllStoragePools");
        var result = new List<StoragePool>(count);
        int taken = 0;
        try
        {
            for (; taken < count; taken++)
            {
                var handle = new StoragePoolHandle(array[taken]);
                array[taken] = 0;
                result.Add(new StoragePool(handle));
            }
            return result;
        }
        catch
        {
            foreach (var pool in result)
                pool.Dispose();
            for (int i = taken; i < count; i++)
                if (array[i] != 0)
                    Interop.virStoragePoolFree(array[i]);
            throw;
        }
        finally
        {
            Interop.Free(array);
        }
    }

    /// <summary>The pool with this name, or null if there is none.</summary>
    public StoragePool? LookupStoragePoolByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return StoragePool.Wrap(Interop.virStoragePoolLookupByName(Handle, name), "virStoragePoolLookupByName", nullWhenMissing: true);
    }

    /// <summary>The pool with this UUID, or null if there is none.</summary>
    public StoragePool? LookupStoragePoolByUuid(Guid uuid) =>
        StoragePool.Wrap(Interop.virStoragePoolLookupByUUIDString(Handle, uuid.ToString("D")), "virStoragePoolLookupByUUIDString", nullWhenMissing: true);

    /// <summary>Defines a persistent (inactive) pool; <see cref="StoragePool.Build"/> and <see cref="StoragePool.Create"/> it next.</summary>
    public StoragePool DefineStoragePoolXml(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return StoragePool.Wrap(Interop.virStoragePoolDefineXML(Handle, xml, 0), "virStoragePoolDefineXML")!;
    }

    /// <summary>Creates and starts a transient pool that disappears when stopped.</summary>
    public StoragePool CreateStoragePoolXml(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return StoragePool.Wrap(Interop.virStoragePoolCreateXML(Handle, xml, 0), "virStoragePoolCreateXML")!;
    }

    /// <summary>The volume at this path on the host, or null if no active pool holds one there.</summary>
    public StorageVolume? LookupStorageVolumeByPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return StorageVolume.Wrap(Interop.virStorageVolLookupByPath(Handle, path), "virStorageVolLookupByPath", nullWhenMissing: true);
    }
}
