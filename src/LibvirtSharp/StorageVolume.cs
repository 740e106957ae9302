using static LibvirtSharp.LibvirtCalls;
using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>A libvirt storage volume. Owns its own reference; dispose it when done.</summary>
public sealed class StorageVolume : IDisposable
{
    internal const int ErrNoStorageVolume = 50;

    private readonly StorageVolumeHandle _handle;

    internal unsafe StorageVolume(StorageVolumeHandle handle)
    {
        _handle = handle;
        try
        {
            byte* name = Interop.virStorageVolGetName(handle);
            if (name == null)
                throw LibvirtException.FromLastError("virStorageVolGetName");
            Name = Marshal.PtrToStringUTF8((nint)name)!;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The volume name (unique within its pool).</summary>
    public string Name { get; }

    /// <summary>The volume's path on the host (what a domain disk's source points at).</summary>
    public string GetPath() =>
        Interop.virStorageVolGetPath(Handle) ?? throw LibvirtException.FromLastError("virStorageVolGetPath");

    /// <summary>Type, capacity (virtual size) and allocation (bytes used on disk).</summary>
    public unsafe StorageVolumeInfo GetInfo()
    {
        VirStorageVolInfo info;
        Check(Interop.virStorageVolGetInfo(Handle, &info), "virStorageVolGetInfo");
        return new StorageVolumeInfo((StorageVolumeType)info.Type, info.Capacity, info.Allocation);
    }

    /// <summary>The volume XML.</summary>
    public string GetXmlDescription() =>
        Interop.virStorageVolGetXMLDesc(Handle, 0) ?? throw LibvirtException.FromLastError("virStorageVolGetXMLDesc");

    /// <summary>The pool holding this volume. Dispose it when done.</summary>
    public StoragePool GetPool() =>
        StoragePool.Wrap(Interop.virStoragePoolLookupByVolume(Handle), "virStoragePoolLookupByVolume")!;

    /// <summary>Deletes the volume's storage and removes it from its pool.</summary>
    public void Delete() => Check(Interop.virStorageVolDelete(Handle, 0), "virStorageVolDelete");

    /// <summary>Sets the capacity to <paramref name="capacityBytes"/>; <paramref name="allowShrink"/> is required to make it smaller.</summary>
    public void Resize(ulong capacityBytes, bool allowShrink = false)
    {
        const uint ResizeShrink = 4;
        Check(Interop.virStorageVolResize(Handle, capacityBytes, allowShrink ? ResizeShrink : 0), "virStorageVolResize");
    }

    /// <summary>
    /// Starts an upload into the volume through <paramref name="stream"/>: then <see cref="Stream.Send"/> the bytes and
    /// <see cref="Stream.Finish"/>. A <paramref name="length"/> of 0 means to the end of the volume.
    /// </summary>
    public void BeginUpload(Stream stream, ulong offset = 0, ulong length = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Check(Interop.virStorageVolUpload(Handle, stream.Handle, offset, length, 0), "virStorageVolUpload");
    }

    /// <summary>
    /// Starts a download of the volume's bytes through <paramref name="stream"/>: then <see cref="Stream.Receive"/>
    /// until it returns 0 and <see cref="Stream.Finish"/>. A <paramref name="length"/> of 0 means to the end.
    /// </summary>
    public void BeginDownload(Stream stream, ulong offset = 0, ulong length = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Check(Interop.virStorageVolDownload(Handle, stream.Handle, offset, length, 0), "virStorageVolDownload");
    }

    /// <summary>Uploads all of <paramref name="source"/> into the volume from offset 0 and commits it.</summary>
    public void Upload(Connection connection, System.IO.Stream source, ulong length)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(source);
        using var stream = Stream.Create(connection);
        BeginUpload(stream, 0, length);
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
            stream.Send(buffer.AsSpan(0, read));
        stream.Finish();
    }

    /// <summary>Downloads the volume's bytes (from offset 0, <paramref name="length"/> 0 = all) into <paramref name="destination"/>.</summary>
    public void Download(Connection connection, System.IO.Stream destination, ulong length = 0)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(destination);
        using var stream = Stream.Create(connection);
        BeginDownload(stream, 0, length);
        var buffer = new byte[256 * 1024];
        int received;
        while ((received = stream.Receive(buffer)) > 0)
            destination.Write(buffer, 0, received);
        stream.Finish();
    }

    /// <summary>Releases the volume reference; does not affect the volume. Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal static StorageVolume? Wrap(StorageVolumeHandle handle, string operation, bool nullWhenMissing = false)
    {
        if (!handle.IsInvalid)
            return new StorageVolume(handle);
        handle.Dispose();
        var ex = LibvirtException.FromLastError(operation);
        if (nullWhenMissing && ex.Code == ErrNoStorageVolume)
            return null;
        throw ex;
    }

    internal StorageVolumeHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }
}
