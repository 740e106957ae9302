using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>
/// A libvirt network filter (<c>virNWFilterPtr</c>): ebtables/iptables rules applied per guest NIC. Redefining a
/// filter that running guests reference updates their rules at once. Owns its own reference; dispose it when done.
/// </summary>
public sealed class NWFilter : NamedLibvirtObject
{
    internal unsafe NWFilter(NWFilterHandle handle)
        : base(handle, ReadIdentity(handle, &Interop.virNWFilterGetName, &Interop.virNWFilterGetUUIDString, "virNWFilter"))
    {
    }

    private NWFilterHandle Handle => (NWFilterHandle)LiveHandle;

    /// <summary>The filter XML.</summary>
    public string GetXmlDescription() =>
        Interop.virNWFilterGetXMLDesc(Handle, 0) ?? throw LibvirtException.FromLastError("virNWFilterGetXMLDesc");

    /// <summary>Removes the filter; libvirt refuses while a NIC or another filter references it.</summary>
    public void Undefine()
    {
        if (Interop.virNWFilterUndefine(Handle) < 0)
            throw LibvirtException.FromLastError("virNWFilterUndefine");
    }
}
