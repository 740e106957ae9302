using static LibvirtSharp.LibvirtCalls;
using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>A libvirt virtual network (<c>virNetworkPtr</c>). Owns its own reference; dispose it when done.</summary>
public sealed class Network : NamedLibvirtObject
{
    private const uint XmlInactive = 1;

    internal unsafe Network(NetworkHandle handle)
        : base(handle, ReadIdentity(handle, &Interop.virNetworkGetName, &Interop.virNetworkGetUUIDString, "virNetwork"))
    {
    }

    private NetworkHandle Handle => (NetworkHandle)LiveHandle;

    /// <summary>Starts the defined network: its bridge comes up and dnsmasq starts (<c>virNetworkCreate</c>).</summary>
    public void Create() => Check(Interop.virNetworkCreate(Handle), "virNetworkCreate");

    /// <summary>Stops the network: bridge and dnsmasq go away; the definition stays.</summary>
    public void Destroy() => Check(Interop.virNetworkDestroy(Handle), "virNetworkDestroy");

    /// <summary>Removes the persistent definition.</summary>
    public void Undefine() => Check(Interop.virNetworkUndefine(Handle), "virNetworkUndefine");

    /// <summary>Whether libvirtd starts the network when it starts.</summary>
    public bool Autostart
    {
        get
        {
            Check(Interop.virNetworkGetAutostart(Handle, out int autostart), "virNetworkGetAutostart");
            return autostart != 0;
        }
        set => Check(Interop.virNetworkSetAutostart(Handle, value ? 1 : 0), "virNetworkSetAutostart");
    }

    /// <summary>Whether the network is running.</summary>
    public bool IsActive => CheckBool(Interop.virNetworkIsActive(Handle), "virNetworkIsActive");

    /// <summary>Whether the network has a persistent definition.</summary>
    public bool IsPersistent => CheckBool(Interop.virNetworkIsPersistent(Handle), "virNetworkIsPersistent");

    /// <summary>The network XML; <paramref name="inactive"/> gives the persistent definition rather than the live one.</summary>
    public string GetXmlDescription(bool inactive = false) =>
        Interop.virNetworkGetXMLDesc(Handle, inactive ? XmlInactive : 0) ?? throw LibvirtException.FromLastError("virNetworkGetXMLDesc");

    /// <summary>The host bridge device of the network.</summary>
    public string GetBridgeName() =>
        Interop.virNetworkGetBridgeName(Handle) ?? throw LibvirtException.FromLastError("virNetworkGetBridgeName");

    /// <summary>
    /// Adds a DHCP host reservation (<c>&lt;host mac ip/&gt;</c>) to the running network and its definition at once
    /// (<c>virNetworkUpdate</c>), so dnsmasq hands that address to that MAC without a restart.
    /// </summary>
    public void AddDhcpHost(string hostXml) => UpdateDhcpHost(UpdateAddLast, hostXml);

    /// <summary>Removes a DHCP host reservation from the running network and its definition.</summary>
    public void RemoveDhcpHost(string hostXml) => UpdateDhcpHost(UpdateDelete, hostXml);

    private const uint UpdateDelete = 2, UpdateAddLast = 3, SectionIpDhcpHost = 4;

    private void UpdateDhcpHost(uint command, string hostXml)
    {
        ArgumentNullException.ThrowIfNull(hostXml);
        // Live only applies to a running network; the definition is updated either way.
        uint flags = (IsActive ? (uint)DeviceImpact.Live : 0) | (uint)DeviceImpact.Config;
        Check(Interop.virNetworkUpdate(Handle, command, SectionIpDhcpHost, -1, hostXml, flags), "virNetworkUpdate");
    }

    /// <summary>The leases dnsmasq currently lists, optionally only those of <paramref name="mac"/>.</summary>
    public unsafe IReadOnlyList<NetworkDhcpLease> GetDhcpLeases(string? mac = null)
    {
        int count = Interop.virNetworkGetDHCPLeases(Handle, mac, out VirNetworkDHCPLease** leases, 0);
        if (count < 0)
            throw LibvirtException.FromLastError("virNetworkGetDHCPLeases");
        var result = new List<NetworkDhcpLease>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                VirNetworkDHCPLease* lease = leases[i];
                result.Add(new NetworkDhcpLease(
                    Utf8(lease->Iface) ?? "",
                    DateTimeOffset.FromUnixTimeSeconds(lease->ExpiryTime),
                    Utf8(lease->Mac) ?? "",
                    Utf8(lease->IpAddr) ?? "",
                    lease->Prefix,
                    Utf8(lease->Hostname),
                    Utf8(lease->ClientId)));
            }
            return result;
        }
        finally
        {
            // Every lease and the array are the caller's, also when copying one failed.
            if (leases != null)
            {
                for (int i = 0; i < count; i++)
                    Interop.virNetworkDHCPLeaseFree(leases[i]);
                Interop.Free(leases);
            }
        }
    }

    private static unsafe string? Utf8(byte* text) => text == null ? null : Marshal.PtrToStringUTF8((nint)text);
}
