using static LibvirtSharp.LibvirtCalls;
using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>A libvirt storage pool. Owns its own reference; dispose it when done.</summary>
public sealed class StoragePool : NamedLibvirtObject
{
    internal const int ErrNoStoragePool = 49;

    internal unsafe StoragePool(StoragePoolHandle handle)
        : base(handle, ReadIdentity(handle, &Interop.virStoragePoolGetName, &Interop.virStoragePoolGetUUIDString, "virStoragePool"))
    {
    }

    private StoragePoolHandle Handle => (StoragePoolHandle)LiveHandle;

    /// <summary>Builds the pool's underlying storage (for a dir pool: creates the directory).</summary>
    public void Build(StoragePoolBuildFlags flags = StoragePoolBuildFlags.New) =>
        Check(Interop.virStoragePoolBuild(Handle, (uint)flags), "virStoragePoolBuild");

    /// <summary>Starts (activates) a defined pool.</summary>
    public void Create() => Check(Interop.virStoragePoolCreate(Handle, 0), "virStoragePoolCreate");

    /// <summary>Stops the pool; its volumes stay on disk.</summary>
    public void Destroy() => Check(Interop.virStoragePoolDestroy(Handle), "virStoragePoolDestroy");

    /// <summary>Deletes the pool's underlying storage (for a dir pool: removes the empty directory). The pool must be inactive.</summary>
    public void Delete() => Check(Interop.virStoragePoolDelete(Handle, 0), "virStoragePoolDelete");

    /// <summary>Removes the persistent definition.</summary>
    public void Undefine() => Check(Interop.virStoragePoolUndefine(Handle), "virStoragePoolUndefine");

    /// <summary>Rescans the pool so volumes created behind libvirt's back appear (and vanished ones disappear).</summary>
    public void Refresh() => Check(Interop.virStoragePoolRefresh(Handle, 0), "virStoragePoolRefresh");

    /// <summary>State, capacity, allocation and free space.</summary>
    public unsafe StoragePoolInfo GetInfo()
    {
        VirStoragePoolInfo info;
        Check(Interop.virStoragePoolGetInfo(Handle, &info), "virStoragePoolGetInfo");
        return new StoragePoolInfo((StoragePoolState)info.State, info.Capacity, info.Allocation, info.Available);
    }

    /// <summary>The pool XML; <paramref name="inactive"/> gives the persistent definition.</summary>
    public string GetXmlDescription(bool inactive = false) =>
        Interop.virStoragePoolGetXMLDesc(Handle, inactive ? 1u : 0u) ?? throw LibvirtException.FromLastError("virStoragePoolGetXMLDesc");

    /// <summary>Whether the pool starts with libvirtd.</summary>
    public bool Autostart
    {
        get
        {
            Check(Interop.virStoragePoolGetAutostart(Handle, out int value), "virStoragePoolGetAutostart");
            return value != 0;
        }
        set => Check(Interop.virStoragePoolSetAutostart(Handle, value ? 1 : 0), "virStoragePoolSetAutostart");
    }

    /// <summary>Whether the pool is running.</summary>
    public bool IsActive => CheckBool(Interop.virStoragePoolIsActive(Handle), "virStoragePoolIsActive");

    /// <summary>Whether the pool has a persistent definition.</summary>
    public bool IsPersistent => CheckBool(Interop.virStoragePoolIsPersistent(Handle), "virStoragePoolIsPersistent");

    /// <summary>All volumes of the (active) pool. Each must be disposed.</summary>
    public unsafe IReadOnlyList<StorageVolume> ListAllVolumes()
    {
        int count = Interop.virStoragePoolListAllVolumes(Handle, out nint* array, 0);
        if (count < 0)
            throw LibvirtException.FromLastError("virStoragePoolListAllVolumes");
        var result = new List<StorageVolume>(count);
        int taken = 0;
        try
        {
            for (; taken < count; taken++)
            {
                var handle = new StorageVolumeHandle(array[taken]);
                array[taken] = 0;
                result.Add(new StorageVolume(handle));
            }
            return result;
        }
        catch
        {
            foreach (var volume in result)
                volume.Dispose();
            for (int i = taken; i < count; i++)
                if (array[i] != 0)
                    Interop.virStorageVolFree(array[i]);
            throw;
        }
        finally
        {
            Interop.Free(array);
        }
    }

    /// <summary>The volume with this name in the pool, or null if there is none.</summary>
    public StorageVolume? LookupVolumeByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return StorageVolume.Wrap(Interop.virStorageVolLookupByName(Handle, name), "virStorageVolLookupByName", nullWhenMissing: true);
    }

    /// <summary>Creates a volume from XML (a qcow2 overlay when the XML has a backingStore).</summary>
    public StorageVolume CreateVolume(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return StorageVolume.Wrap(Interop.virStorageVolCreateXML(Handle, xml, 0), "virStorageVolCreateXML")!;
    }

    /// <summary>Creates a volume from XML whose content is copied from <paramref name="source"/> (a full copy).</summary>
    public StorageVolume CreateVolumeFrom(string xml, StorageVolume source)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentNullException.ThrowIfNull(source);
        return StorageVolume.Wrap(Interop.virStorageVolCreateXMLFrom(Handle, xml, source.Handle, 0), "virStorageVolCreateXMLFrom")!;
    }

    internal static StoragePool? Wrap(StoragePoolHandle handle, string operation, bool nullWhenMissing = false)
    {
        if (!handle.IsInvalid)
            return new StoragePool(handle);
        handle.Dispose();
        var ex = LibvirtException.FromLastError(operation);
        if (nullWhenMissing && ex.Code == ErrNoStoragePool)
            return null;
        throw ex;
    }
}
