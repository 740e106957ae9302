using System.Globalization;
using System.Net;
using System.Text;
using System.Xml;

namespace CloudPortal.Core.Networks;

/// <summary>Builds a tenant network's libvirt XML with an <see cref="XmlWriter"/>: NAT or isolated, own bridge and /24.</summary>
public static class NetworkXmlBuilder
{
    public static string Build(TenantNetwork network, IEnumerable<NicAssignment> nics)
    {
        var subnet = IPNetwork.Parse(network.Cidr);
        var builder = new StringBuilder();
        using (var xml = XmlWriter.Create(builder, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true }))
        {
            xml.WriteStartElement("network");
            xml.WriteElementString("name", NetworkNames.Network(network.Id));
            xml.WriteElementString("uuid", network.Id.ToString());
            // Without <forward> libvirt makes an isolated network: guests reach each other and the host, nothing else.
            if (network.Mode == NetworkModes.Nat)
            {
                xml.WriteStartElement("forward");
                xml.WriteAttributeString("mode", "nat");
                xml.WriteEndElement();
            }
            xml.WriteStartElement("bridge");
            xml.WriteAttributeString("name", NetworkNames.Bridge(network.Id));
            xml.WriteAttributeString("stp", "on");
            xml.WriteAttributeString("delay", "0");
            xml.WriteEndElement();
            xml.WriteStartElement("ip");
            xml.WriteAttributeString("address", SubnetPool.Gateway(subnet).ToString());
            xml.WriteAttributeString("netmask", "255.255.255.0");
            xml.WriteStartElement("dhcp");
            xml.WriteStartElement("range");
            xml.WriteAttributeString("start", SubnetPool.Host(subnet, SubnetPool.FirstHost).ToString());
            xml.WriteAttributeString("end", SubnetPool.Host(subnet, SubnetPool.LastHost).ToString());
            xml.WriteEndElement();
            foreach (var nic in nics)
                WriteHost(xml, nic);
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
        }
        return builder.ToString();
    }

    /// <summary>A DHCP reservation, also used alone with virNetworkUpdate on a running network.</summary>
    public static string DhcpHost(NicAssignment nic)
    {
        var builder = new StringBuilder();
        using (var xml = XmlWriter.Create(builder, new XmlWriterSettings { OmitXmlDeclaration = true }))
            WriteHost(xml, nic);
        return builder.ToString();
    }

    private static void WriteHost(XmlWriter xml, NicAssignment nic)
    {
        xml.WriteStartElement("host");
        xml.WriteAttributeString("mac", nic.Mac);
        xml.WriteAttributeString("ip", nic.IpAddress);
        xml.WriteEndElement();
    }

    internal static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
