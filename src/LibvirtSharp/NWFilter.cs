using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>
/// A libvirt network filter (<c>virNWFilterPtr</c>): ebtables/iptables rules applied per guest NIC. Redefining a
/// filter that running guests reference updates their rules at once. Owns its own reference; dispose it when done.
/// </summary>
public sealed class NWFilter : IDisposable
{
    private readonly NWFilterHandle _handle;

    internal unsafe NWFilter(NWFilterHandle handle)
    {
        _handle = handle;
        try
        {
            byte* name = Interop.virNWFilterGetName(handle);
            if (name == null)
                throw LibvirtException.FromLastError("virNWFilterGetName");
            Name = Marshal.PtrToStringUTF8((nint)name)!;
            byte* buf = stackalloc byte[37]; // VIR_UUID_STRING_BUFLEN
            if (Interop.virNWFilterGetUUIDString(handle, buf) < 0)
                throw LibvirtException.FromLastError("virNWFilterGetUUIDString");
            Uuid = Guid.Parse(System.Text.Encoding.ASCII.GetString(buf, 36));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The filter name, as referenced by <c>&lt;filterref filter='…'&gt;</c>.</summary>
    public string Name { get; }

    /// <summary>The filter UUID.</summary>
    public Guid Uuid { get; }

    /// <summary>The filter XML.</summary>
    public string GetXmlDescription() =>
        Interop.virNWFilterGetXMLDesc(Handle, 0) ?? throw LibvirtException.FromLastError("virNWFilterGetXMLDesc");

    /// <summary>Removes the filter; libvirt refuses while a NIC or another filter references it.</summary>
    public void Undefine()
    {
        if (Interop.virNWFilterUndefine(Handle) < 0)
            throw LibvirtException.FromLastError("virNWFilterUndefine");
    }

    /// <summary>Releases the filter reference. Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Uuid})";

    private NWFilterHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }
}
