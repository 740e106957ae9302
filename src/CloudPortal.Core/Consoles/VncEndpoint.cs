using System.Net;
using System.Xml.Linq;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Consoles;

/// <summary>Where a running domain's VNC server listens; the proxy only ever connects to a loopback address.</summary>
public sealed record VncEndpoint(IPAddress Address, int Port)
{
    /// <summary>
    /// Reads the port libvirt gave the domain from its live XML. Portal domains listen on 127.0.0.1 of their host, so
    /// the proxy reaches them only when the host is this machine (qemu:///system, or qemu+tcp://127.0.0.1 lab hosts).
    /// </summary>
    public static VncEndpoint FromDomain(string liveXml, string hostUri, string machineName)
    {
        var graphics = XDocument.Parse(liveXml).Root?.Element("devices")?.Elements("graphics")
            .FirstOrDefault(g => (string?)g.Attribute("type") == "vnc");
        if (graphics is null)
            throw new ConflictException($"Machine '{machineName}' has no graphical console.");
        if (!int.TryParse((string?)graphics.Attribute("port"), out var port) || port is <= 0 or > 65535)
            throw new ConflictException($"Machine '{machineName}' has no VNC port yet: is it running?");
        var listen = (string?)graphics.Attribute("listen") ?? (string?)graphics.Element("listen")?.Attribute("address") ?? "127.0.0.1";
        if (!IPAddress.TryParse(listen, out var address) || !IPAddress.IsLoopback(address))
            throw new ConflictException($"Machine '{machineName}' listens for VNC on '{listen}', not on loopback: the portal does not proxy it.");
        if (!IsOnThisMachine(hostUri))
            throw new HostUnavailableException($"The console of '{machineName}' is on a remote host ({hostUri}), which this portal cannot reach over loopback.");
        return new VncEndpoint(address, port);
    }

    private static bool IsOnThisMachine(string hostUri)
    {
        if (hostUri.Contains(":///", StringComparison.Ordinal))
            return true;
        return Uri.TryCreate(hostUri, UriKind.Absolute, out var uri)
            && (uri.Host == "localhost" || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)));
    }
}
