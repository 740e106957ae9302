using System.Net;
using System.Text;
using System.Xml;

namespace CloudPortal.Core.Networks;

/// <summary>
/// Renders a security group as a libvirt nwfilter with an <see cref="XmlWriter"/>. The filter pulls in libvirt's
/// clean-traffic (no MAC, IP or ARP spoofing: the NIC passes its fixed address as the IP parameter), allows all
/// outbound traffic and the replies to it, accepts the group's inbound rules and drops everything else.
/// Direction "in" is traffic towards the guest.
/// </summary>
public static class NwFilterXmlBuilder
{
    private const string OwnNetworkPriority = "400";
    private const string PoolDropPriority = "450";
    private const string AcceptPriority = "500";

    /// <summary>The filter parameters every NIC passes besides IP: its network and the portal's pool.</summary>
    public const string NetParameter = "CPN_NET", NetPrefixParameter = "CPN_NET_PREFIX", PoolParameter = "CPN_POOL", PoolPrefixParameter = "CPN_POOL_PREFIX";
    private const string RulePriority = "600";
    private const string DropPriority = "1000";

    /// <param name="group">The group and its rules.</param>
    /// <param name="groupAddresses">The addresses of the machines of each group named as a source.</param>
    public static string Build(SecurityGroup group, IReadOnlyDictionary<Guid, IReadOnlyList<string>> groupAddresses)
    {
        var builder = new StringBuilder();
        using (var xml = XmlWriter.Create(builder, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true }))
        {
            xml.WriteStartElement("filter");
            xml.WriteAttributeString("name", NetworkNames.Filter(group.Id));
            xml.WriteAttributeString("chain", "root");
            // A redefinition must carry the same UUID, or libvirt refuses a second filter of that name.
            xml.WriteElementString("uuid", group.Id.ToString());
            xml.WriteStartElement("filterref");
            xml.WriteAttributeString("filter", "clean-traffic");
            xml.WriteEndElement();

            // nwfilter's per-NIC chains accept a guest's traffic before libvirt's own network rules are reached, so
            // an isolated network's "no forwarding" would not stop a guest of a NAT network routing into it through the
            // host. So the filter itself keeps the guest inside its own network within the portal's pool (NIC parameters).
            WriteRule(xml, "accept", "out", OwnNetworkPriority, "all",
                [("dstipaddr", "$" + NetParameter), ("dstipmask", "$" + NetPrefixParameter), ("state", "NEW,ESTABLISHED,RELATED")]);
            // With a state, nwfilter adds no mirrored rule for the other direction (which would drop the pool's traffic
            // towards the guest, its own network's included).
            WriteRule(xml, "drop", "out", PoolDropPriority, "all",
                [("dstipaddr", "$" + PoolParameter), ("dstipmask", "$" + PoolPrefixParameter), ("state", "NEW")]);
            WriteRule(xml, "accept", "out", AcceptPriority, "all", [("state", "NEW,ESTABLISHED,RELATED")]);
            WriteRule(xml, "accept", "in", AcceptPriority, "all", [("state", "ESTABLISHED,RELATED")]);
            // A DHCP offer answers a broadcast, which connection tracking does not pair with the request.
            WriteRule(xml, "accept", "in", AcceptPriority, "udp", [("srcportstart", "67"), ("dstportstart", "68")]);

            foreach (var rule in group.Rules)
                foreach (var source in Sources(rule, groupAddresses))
                    WriteRule(xml, "accept", "in", RulePriority, rule.Protocol, Attributes(rule, source));

            WriteRule(xml, "drop", "inout", DropPriority, "all", []);
            xml.WriteEndElement();
        }
        return builder.ToString();
    }

    private static IEnumerable<IPNetwork> Sources(SecurityGroupRule rule, IReadOnlyDictionary<Guid, IReadOnlyList<string>> groupAddresses)
    {
        if (rule.SourceCidr is not null)
            return [IPNetwork.Parse(rule.SourceCidr)];
        // A group with no machines yet allows nothing; the filter is re-rendered when machines join it.
        if (rule.SourceGroupId is { } id && groupAddresses.TryGetValue(id, out var addresses))
            return addresses.Select(a => new IPNetwork(IPAddress.Parse(a), 32));
        return [];
    }

    private static List<(string Name, string Value)> Attributes(SecurityGroupRule rule, IPNetwork source)
    {
        var attributes = new List<(string, string)>();
        // 0.0.0.0/0 matches everything: leaving the address out keeps the iptables rule simple.
        if (source.PrefixLength > 0)
        {
            attributes.Add(("srcipaddr", source.BaseAddress.ToString()));
            attributes.Add(("srcipmask", NetworkXmlBuilder.Number(source.PrefixLength)));
        }
        if (rule.PortFrom is { } from)
        {
            attributes.Add(("dstportstart", NetworkXmlBuilder.Number(from)));
            attributes.Add(("dstportend", NetworkXmlBuilder.Number(rule.PortTo ?? from)));
        }
        attributes.Add(("state", "NEW"));
        return attributes;
    }

    private static void WriteRule(XmlWriter xml, string action, string direction, string priority, string protocol,
        IEnumerable<(string Name, string Value)> attributes)
    {
        xml.WriteStartElement("rule");
        xml.WriteAttributeString("action", action);
        xml.WriteAttributeString("direction", direction);
        xml.WriteAttributeString("priority", priority);
        xml.WriteStartElement(protocol);
        foreach (var (name, value) in attributes)
            xml.WriteAttributeString(name, value);
        xml.WriteEndElement();
        xml.WriteEndElement();
    }
}
