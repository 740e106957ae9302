using static LibvirtSharp.LibvirtCalls;
using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>How a snapshot is reverted to (<c>virDomainSnapshotRevertFlags</c>).</summary>
[Flags]
public enum SnapshotRevertFlags : uint
{
    None = 0,
    /// <summary>Run the domain after the revert, whatever state the snapshot recorded.</summary>
    Running = 1,
    /// <summary>Leave the domain paused after the revert.</summary>
    Paused = 2,
    /// <summary>Allow a revert that loses the current state in ways libvirt considers risky.</summary>
    Force = 4,
}

/// <summary>A snapshot of a domain (disk, and memory when the domain ran). Owns its own reference; dispose it when done.</summary>
public sealed class DomainSnapshot : IDisposable
{
    internal const int ErrNoDomainSnapshot = 72;

    private readonly DomainSnapshotHandle _handle;

    internal unsafe DomainSnapshot(DomainSnapshotHandle handle)
    {
        _handle = handle;
        try
        {
            byte* name = Interop.virDomainSnapshotGetName(handle);
            if (name == null)
                throw LibvirtException.FromLastError("virDomainSnapshotGetName");
            Name = Marshal.PtrToStringUTF8((nint)name)!;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The snapshot's name, unique within its domain.</summary>
    public string Name { get; }

    /// <summary>The snapshot's XML: its state, creation time, description and the domain definition it saved.</summary>
    public string GetXmlDescription() =>
        Interop.virDomainSnapshotGetXMLDesc(Handle, 0) ?? throw LibvirtException.FromLastError("virDomainSnapshotGetXMLDesc");

    /// <summary>Returns the domain to this snapshot (<c>virDomainRevertToSnapshot</c>); its current state is lost.</summary>
    public void Revert(SnapshotRevertFlags flags = SnapshotRevertFlags.None) =>
        Check(Interop.virDomainRevertToSnapshot(Handle, (uint)flags), "virDomainRevertToSnapshot");

    /// <summary>
    /// Deletes this snapshot (its data and metadata; children are kept, merged onto its parent). With
    /// <paramref name="metadataOnly"/> only libvirt's record goes: for a snapshot whose disk was replaced.
    /// </summary>
    public void Delete(bool metadataOnly = false)
    {
        const uint MetadataOnly = 2;
        Check(Interop.virDomainSnapshotDelete(Handle, metadataOnly ? MetadataOnly : 0), "virDomainSnapshotDelete");
    }

    public void Dispose() => _handle.Dispose();

    public override string ToString() => Name;

    internal static DomainSnapshot? Wrap(DomainSnapshotHandle handle, string operation, bool nullWhenMissing = false)
    {
        if (!handle.IsInvalid)
            return new DomainSnapshot(handle);
        handle.Dispose();
        var ex = LibvirtException.FromLastError(operation);
        if (nullWhenMissing && ex.Code == ErrNoDomainSnapshot)
            return null;
        throw ex;
    }

    internal DomainSnapshotHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }
}
