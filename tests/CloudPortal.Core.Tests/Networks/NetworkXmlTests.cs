using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Networks;

namespace CloudPortal.Core.Tests.Networks;

public sealed class NetworkXmlTests
{
    private static readonly Guid GroupId = Guid.Parse("11111111-2222-3333-4444-555555555555");

    private static TenantNetwork Network(string mode) => new()
    {
        Id = Guid.Parse("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), TenantId = Guid.NewGuid(), Name = "web", Mode = mode,
        SubnetIndex = 7, Cidr = "10.200.7.0/24",
    };

    [Fact]
    public void Build_Nat_HasForwardBridgeSubnetAndReservations()
    {
        var nic = new NicAssignment(Guid.NewGuid(), Network("nat").Id, GroupId, "52:54:00:c8:07:0a", "10.200.7.10");
        var xml = XElement.Parse(NetworkXmlBuilder.Build(Network(NetworkModes.Nat), [nic]));
        Assert.Equal("cpnet-aaaaaaaabbbb", xml.Element("name")!.Value);
        Assert.Equal("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", xml.Element("uuid")!.Value);
        Assert.Equal("nat", xml.Element("forward")!.Attribute("mode")!.Value);
        var bridge = xml.Element("bridge")!.Attribute("name")!.Value;
        Assert.Equal("cpnaaaaaaaabbbb", bridge);
        Assert.True(bridge.Length <= 15);
        var ip = xml.Element("ip")!;
        Assert.Equal("10.200.7.1", ip.Attribute("address")!.Value);
        Assert.Equal("255.255.255.0", ip.Attribute("netmask")!.Value);
        var range = ip.Element("dhcp")!.Element("range")!;
        Assert.Equal("10.200.7.10", range.Attribute("start")!.Value);
        Assert.Equal("10.200.7.250", range.Attribute("end")!.Value);
        var host = Assert.Single(ip.Element("dhcp")!.Elements("host"));
        Assert.Equal("52:54:00:c8:07:0a", host.Attribute("mac")!.Value);
        Assert.Equal("10.200.7.10", host.Attribute("ip")!.Value);
    }

    [Fact]
    public void Build_Isolated_HasNoForward()
    {
        var xml = XElement.Parse(NetworkXmlBuilder.Build(Network(NetworkModes.Isolated), []));
        Assert.Null(xml.Element("forward"));
        Assert.Empty(xml.Element("ip")!.Element("dhcp")!.Elements("host"));
    }

    [Fact]
    public void SubnetPool_SlicesAndHosts_AreComputed()
    {
        var pool = new SubnetPool("10.200.0.0/16");
        Assert.Equal(256, pool.Slices);
        Assert.Equal("10.200.0.0/24", pool.Subnet(0).ToString());
        Assert.Equal("10.200.255.0/24", pool.Subnet(255).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Subnet(256));
        Assert.Equal("10.200.3.42", SubnetPool.Host(pool.Subnet(3), 42).ToString());
        Assert.Equal("52:54:00:c8:03:2a", SubnetPool.MacFor(SubnetPool.Host(pool.Subnet(3), 42)));
    }

    [Theory]
    [InlineData("10.200.0.0/25")]
    [InlineData("fd00::/48")]
    [InlineData("not a cidr")]
    [InlineData("10.200.0.1/16")]
    public void SubnetPool_Invalid_Throws(string cidr) => Assert.Throws<ArgumentException>(() => new SubnetPool(cidr));

    private static SecurityGroup Group(params SecurityGroupRule[] rules) =>
        new() { Id = GroupId, TenantId = Guid.NewGuid(), Name = "web", Rules = rules };

    private static SecurityGroupRule Rule(string protocol, int? from = null, int? to = null, string? cidr = null, Guid? source = null) =>
        new() { Id = Guid.NewGuid(), GroupId = GroupId, Protocol = protocol, PortFrom = from, PortTo = to, SourceCidr = cidr, SourceGroupId = source };

    [Fact]
    public void Filter_NoRules_ReferencesCleanTrafficAllowsOutAndRepliesDropsRest()
    {
        var xml = XElement.Parse(NwFilterXmlBuilder.Build(Group(), new Dictionary<Guid, IReadOnlyList<string>>()));
        Assert.Equal("cpnet-sg-111111112222", xml.Attribute("name")!.Value);
        Assert.Equal("root", xml.Attribute("chain")!.Value);
        Assert.Equal(GroupId.ToString(), xml.Element("uuid")!.Value);
        Assert.Equal("clean-traffic", xml.Element("filterref")!.Attribute("filter")!.Value);
        var rules = xml.Elements("rule").ToList();
        Assert.Contains(rules, r => r.Attribute("direction")!.Value == "out" && r.Attribute("action")!.Value == "accept"
            && r.Element("all")?.Attribute("dstipaddr") is null && r.Element("all")?.Attribute("state")?.Value == "NEW,ESTABLISHED,RELATED");
        Assert.Contains(rules, r => r.Attribute("direction")!.Value == "in" && r.Element("all")?.Attribute("state")?.Value == "ESTABLISHED,RELATED");
        // Inside the pool a guest may only reach its own network: accepted first, the rest of the pool dropped.
        var own = rules.Single(r => r.Element("all")?.Attribute("dstipaddr")?.Value == "$CPN_NET");
        var pool = rules.Single(r => r.Element("all")?.Attribute("dstipaddr")?.Value == "$CPN_POOL");
        Assert.Equal(("accept", "out"), (own.Attribute("action")!.Value, own.Attribute("direction")!.Value));
        Assert.Equal(("drop", "out"), (pool.Attribute("action")!.Value, pool.Attribute("direction")!.Value));
        Assert.True(int.Parse(own.Attribute("priority")!.Value) < int.Parse(pool.Attribute("priority")!.Value));
        var last = rules.MaxBy(r => int.Parse(r.Attribute("priority")!.Value))!;
        Assert.Equal("drop", last.Attribute("action")!.Value);
        Assert.Equal("inout", last.Attribute("direction")!.Value);
        Assert.DoesNotContain(rules, r => r.Element("tcp") is not null);
    }

    [Fact]
    public void Filter_TcpRangeFromCidr_RendersAcceptInWithMaskAndPorts()
    {
        var xml = XElement.Parse(NwFilterXmlBuilder.Build(Group(Rule("tcp", 8000, 8080, "192.168.5.0/24")), new Dictionary<Guid, IReadOnlyList<string>>()));
        var tcp = Assert.Single(xml.Elements("rule"), r => r.Element("tcp") is not null);
        Assert.Equal("accept", tcp.Attribute("action")!.Value);
        Assert.Equal("in", tcp.Attribute("direction")!.Value);
        var m = tcp.Element("tcp")!;
        Assert.Equal("192.168.5.0", m.Attribute("srcipaddr")!.Value);
        Assert.Equal("24", m.Attribute("srcipmask")!.Value);
        Assert.Equal("8000", m.Attribute("dstportstart")!.Value);
        Assert.Equal("8080", m.Attribute("dstportend")!.Value);
        Assert.Equal("NEW", m.Attribute("state")!.Value);
    }

    [Fact]
    public void Filter_IcmpFromAnywhere_HasNoAddressAndNoPorts()
    {
        var xml = XElement.Parse(NwFilterXmlBuilder.Build(Group(Rule("icmp", cidr: "0.0.0.0/0")), new Dictionary<Guid, IReadOnlyList<string>>()));
        var icmp = Assert.Single(xml.Elements("rule"), r => r.Element("icmp") is not null).Element("icmp")!;
        Assert.Null(icmp.Attribute("srcipaddr"));
        Assert.Null(icmp.Attribute("dstportstart"));
    }

    [Fact]
    public void Filter_SourceGroup_OneRulePerMemberAddress_NoneWhenEmpty()
    {
        var other = Guid.NewGuid();
        var group = Group(Rule("all", source: GroupId), Rule("udp", 53, 53, source: other));
        var xml = XElement.Parse(NwFilterXmlBuilder.Build(group, new Dictionary<Guid, IReadOnlyList<string>>
        {
            [GroupId] = ["10.200.7.10", "10.200.7.11"],
            [other] = [],
        }));
        var fromMembers = xml.Elements("rule").Where(r => r.Element("all")?.Attribute("srcipaddr") is not null).ToList();
        Assert.Equal(["10.200.7.10", "10.200.7.11"], fromMembers.Select(r => r.Element("all")!.Attribute("srcipaddr")!.Value));
        Assert.All(fromMembers, r => Assert.Equal("32", r.Element("all")!.Attribute("srcipmask")!.Value));
        Assert.DoesNotContain(xml.Elements("rule"), r => r.Element("udp")?.Attribute("dstportstart")?.Value == "53");
    }

    [Fact]
    public void Filter_HostileGroupName_CannotInjectXml()
    {
        // Names never reach the XML (the filter is named by id), and every value is written as an attribute value.
        var group = Group(Rule("tcp", 22, 22, "10.0.0.0/8")) with { Name = "x'/><rule action='accept'" };
        var xml = XElement.Parse(NwFilterXmlBuilder.Build(group, new Dictionary<Guid, IReadOnlyList<string>>()));
        Assert.Single(xml.Elements("rule"), r => r.Element("tcp") is not null);
    }

    [Fact]
    public void DomainXml_WithNic_HasInterfaceOnNetworkWithFilterAndIp()
    {
        var machine = new Machine { Id = Guid.NewGuid(), Name = "web-1", TenantId = Guid.NewGuid(), Vcpus = 1, MemoryMiB = 64, DomainUuid = Guid.NewGuid() };
        var nic = new NicAssignment(machine.Id, Network("nat").Id, GroupId, "52:54:00:c8:07:0b", "10.200.7.11");
        var xml = XElement.Parse(DomainXmlBuilder.Build(new DomainSpec(machine, "qemu",
            new PortalMetadata(Guid.NewGuid(), machine.Id, machine.TenantId, Guid.NewGuid()), Nic: new NicPlan(nic, "10.200.7.0/24", "10.200.0.0/16"))));
        var iface = Assert.Single(xml.Element("devices")!.Elements("interface"));
        Assert.Equal("network", iface.Attribute("type")!.Value);
        Assert.Equal("52:54:00:c8:07:0b", iface.Element("mac")!.Attribute("address")!.Value);
        Assert.Equal("cpnet-aaaaaaaabbbb", iface.Element("source")!.Attribute("network")!.Value);
        var filter = iface.Element("filterref")!;
        Assert.Equal("cpnet-sg-111111112222", filter.Attribute("filter")!.Value);
        var parameters = filter.Elements("parameter").ToDictionary(p => p.Attribute("name")!.Value, p => p.Attribute("value")!.Value);
        Assert.Equal("10.200.7.11", parameters["IP"]);
        Assert.Equal("10.200.7.0", parameters["CPN_NET"]);
        Assert.Equal("24", parameters["CPN_NET_PREFIX"]);
        Assert.Equal("10.200.0.0", parameters["CPN_POOL"]);
        Assert.Equal("16", parameters["CPN_POOL_PREFIX"]);
    }

    [Fact]
    public void DomainXml_WithoutNic_HasNoInterface()
    {
        var machine = new Machine { Id = Guid.NewGuid(), Name = "web-1", TenantId = Guid.NewGuid(), Vcpus = 1, MemoryMiB = 64, DomainUuid = Guid.NewGuid() };
        var xml = XElement.Parse(DomainXmlBuilder.Build(new DomainSpec(machine, "qemu",
            new PortalMetadata(Guid.NewGuid(), machine.Id, machine.TenantId, Guid.NewGuid()))));
        Assert.Empty(xml.Element("devices")!.Elements("interface"));
    }
}

public sealed class SecurityGroupRulesTests
{
    private static readonly Guid GroupId = Guid.NewGuid();

    private static ValidationFailedException Invalid(SecurityRuleRequest request) =>
        Assert.Throws<ValidationFailedException>(() => SecurityGroupRules.Validate(GroupId, request));

    [Fact]
    public void Validate_TcpSinglePort_FillsPortTo()
    {
        var rule = SecurityGroupRules.Validate(GroupId, new SecurityRuleRequest("TCP", 22, null, "10.1.0.0/16", null));
        Assert.Equal(("tcp", 22, 22, "10.1.0.0/16"), (rule.Protocol, rule.PortFrom, rule.PortTo, rule.SourceCidr));
    }

    [Fact]
    public void Validate_BareAddress_IsOneHost() =>
        Assert.Equal("10.1.2.3/32", SecurityGroupRules.Validate(GroupId, new SecurityRuleRequest("icmp", null, null, "10.1.2.3", null)).SourceCidr);

    [Theory]
    [InlineData("tcp", 0, 10, "portFrom")]
    [InlineData("tcp", 1, 65536, "portTo")]
    [InlineData("udp", 100, 99, "portTo")]
    [InlineData("udp", null, 53, "portFrom")]
    [InlineData("icmp", 1, 1, "portFrom")]
    [InlineData("gre", null, null, "protocol")]
    [InlineData(null, null, null, "protocol")]
    public void Validate_BadProtocolOrPorts_NamesField(string? protocol, int? from, int? to, string field)
    {
        var ex = Invalid(new SecurityRuleRequest(protocol, from, to, "0.0.0.0/0", null));
        Assert.Contains(field, ex.Errors.Keys);
    }

    [Theory]
    [InlineData("10.1.2.3/24")]
    [InlineData("10.1.2.0/33")]
    [InlineData("banana")]
    [InlineData("fd00::/64")]
    public void Validate_BadCidr_NamesSourceCidr(string cidr) =>
        Assert.Contains("sourceCidr", Invalid(new SecurityRuleRequest("tcp", 22, 22, cidr, null)).Errors.Keys);

    [Fact]
    public void Validate_NoSourceOrBoth_NamesSource()
    {
        Assert.Contains("source", Invalid(new SecurityRuleRequest("all", null, null, null, null)).Errors.Keys);
        Assert.Contains("source", Invalid(new SecurityRuleRequest("all", null, null, "0.0.0.0/0", Guid.NewGuid())).Errors.Keys);
    }
}
