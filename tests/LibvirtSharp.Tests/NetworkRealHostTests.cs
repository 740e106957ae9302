using System.Diagnostics;
using LibvirtSharp;

namespace LibvirtSharp.Tests;

/// <summary>Removes cpn-lvs- guests, networks and filters left behind by a crashed earlier run, once per class.</summary>
public sealed class NetworkSweepFixture
{
    public const string Prefix = "cpn-lvs-";

    public NetworkSweepFixture()
    {
        using var conn = Connection.Open(RealHostSweepFixture.Uri);
        Sweep(conn);
    }

    internal static void Sweep(Connection conn)
    {
        // Guests first: a filter or network in use cannot go.
        foreach (var dom in conn.ListAllDomains())
            using (dom)
                if (dom.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    RealHostTests.DestroyAndUndefine(dom);
        foreach (var net in conn.ListAllNetworks())
            using (net)
                if (net.Name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    if (net.IsActive)
                        net.Destroy();
                    if (net.IsPersistent)
                        net.Undefine();
                }
        foreach (var filter in conn.ListAllNWFilters())
            using (filter)
                if (filter.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    filter.Undefine();
    }
}

/// <summary>Networks, filters and live NICs on the real local libvirtd.</summary>
[Trait("Category", "RealHost")]
public sealed class NetworkRealHostTests : IClassFixture<NetworkSweepFixture>, IDisposable
{
    private readonly Connection _conn = Connection.Open(RealHostSweepFixture.Uri);
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    // 10.231.0.0/16 is used by nothing on this machine (checked with ip route) and by no other test project.
    private readonly int _octet = Random.Shared.Next(1, 250);

    public NetworkRealHostTests(NetworkSweepFixture sweep) => _ = sweep;

    private string NetName => NetworkSweepFixture.Prefix + "net-" + _id;
    private string FilterName => NetworkSweepFixture.Prefix + "sg-" + _id;
    private string GuestName => NetworkSweepFixture.Prefix + "vm-" + _id;
    private string Bridge => "cpnl" + _id;

    public void Dispose()
    {
        try
        {
            using (var dom = _conn.LookupDomainByName(GuestName))
                if (dom is not null)
                    RealHostTests.DestroyAndUndefine(dom);
            using (var net = _conn.LookupNetworkByName(NetName))
                if (net is not null)
                {
                    if (net.IsActive)
                        net.Destroy();
                    net.Undefine();
                }
            using (var filter = _conn.LookupNWFilterByName(FilterName))
                filter?.Undefine();
        }
        finally
        {
            _conn.Dispose();
        }
    }

    private string NetworkXml() => $"""
        <network>
          <name>{NetName}</name>
          <bridge name='{Bridge}' stp='on' delay='0'/>
          <ip address='10.231.{_octet}.1' netmask='255.255.255.0'>
            <dhcp><range start='10.231.{_octet}.10' end='10.231.{_octet}.200'/></dhcp>
          </ip>
        </network>
        """;

    // A redefinition must carry the filter's UUID: libvirt refuses a second filter of the same name otherwise.
    private readonly Guid _filterUuid = Guid.NewGuid();

    private string FilterXml(params int[] ports) => $"""
        <filter name='{FilterName}' chain='root'>
          <uuid>{_filterUuid}</uuid>
          <filterref filter='clean-traffic'/>
          {string.Concat(ports.Select(p => $"<rule action='accept' direction='in' priority='500'><tcp dstportstart='{p}' dstportend='{p}'/></rule>"))}
          <rule action='accept' direction='out' priority='500'><all state='NEW,ESTABLISHED,RELATED'/></rule>
          <rule action='accept' direction='in' priority='500'><all state='ESTABLISHED,RELATED'/></rule>
          <rule action='drop' direction='inout' priority='1000'><all/></rule>
        </filter>
        """;

    private string GuestXml(bool withNic) => $"""
        <domain type='qemu'>
          <name>{GuestName}</name>
          <memory unit='MiB'>64</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
          <features><acpi/></features>
          <devices>
            {(withNic ? NicXml() : "")}
            <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
            <serial type='pty'/>
          </devices>
        </domain>
        """;

    private string NicXml() => $"""
        <interface type='network'>
          <mac address='52:54:00:23:{_octet:x2}:05'/>
          <source network='{NetName}'/>
          <model type='virtio'/>
          <filterref filter='{FilterName}'><parameter name='IP' value='10.231.{_octet}.5'/></filterref>
        </interface>
        """;

    [Fact]
    public async Task DefineNetworkXml_Start_BridgeAndDnsmasqRun()
    {
        using var network = _conn.DefineNetworkXml(NetworkXml());
        network.Create();
        Assert.True(network.IsActive);
        Assert.Equal(Bridge, network.GetBridgeName());
        Assert.Contains($"10.231.{_octet}.1/24", await RunAsync("ip", "-4", "addr", "show", "dev", Bridge));
        Assert.Contains(NetName + ".conf", await RunAsync("ps", "-eo", "args"));
        Assert.Empty(network.GetDhcpLeases());
        string host = $"<host mac='52:54:00:23:{_octet:x2}:09' ip='10.231.{_octet}.9'/>";
        network.AddDhcpHost(host);
        Assert.Contains($"10.231.{_octet}.9", network.GetXmlDescription());
        Assert.Contains($"10.231.{_octet}.9", network.GetXmlDescription(inactive: true));
        network.RemoveDhcpHost(host);
        Assert.DoesNotContain($"10.231.{_octet}.9", network.GetXmlDescription());
        network.Destroy();
        Assert.DoesNotContain(Bridge, await RunAsync("ip", "-o", "link"));
    }

    [Fact]
    public void LookupNWFilterByName_CleanTraffic_IsListedAndMissingIsNull()
    {
        using (var clean = _conn.LookupNWFilterByName("clean-traffic"))
            Assert.Contains("no-mac-spoofing", clean!.GetXmlDescription());
        Assert.Null(_conn.LookupNWFilterByName(FilterName));
        var all = _conn.ListAllNWFilters();
        Assert.Contains(all, f => f.Name == "clean-traffic");
        foreach (var f in all)
            f.Dispose();
    }

    [Fact]
    public async Task DefineNWFilterXml_RedefinedWhileGuestRuns_ChainsOfItsNicChange()
    {
        using var network = _conn.DefineNetworkXml(NetworkXml());
        network.Create();
        using (var filter = _conn.DefineNWFilterXml(FilterXml(22)))
        {
            Assert.Equal(FilterName, filter.Name);
            Assert.Equal(_filterUuid, filter.Uuid);
        }
        using var dom = _conn.DefineDomainXml(GuestXml(withNic: true));
        dom.Create();
        string vnet = VnetOf(dom.GetXmlDescription());

        // clean-traffic's anti-spoofing lives in ebtables; the port rules become per-NIC iptables chains.
        Assert.Contains(vnet, await RunAsync("ebtables", "-t", "nat", "-L"));
        string before = ChainLines(await RunAsync("iptables", "-S"), vnet);
        Assert.Contains("FI-" + vnet, before);
        Assert.Matches($"-A FO-{vnet} .*--dport 22 ", before);
        Assert.DoesNotMatch($"-A FO-{vnet} .*--dport 8080 ", before);

        using (_conn.DefineNWFilterXml(FilterXml(22, 8080))) { }
        string after = ChainLines(await RunAsync("iptables", "-S"), vnet);
        Assert.Matches($"-A FO-{vnet} .*--dport 8080 ", after);
        Assert.True(dom.IsActive);
    }

    [Fact]
    public async Task AttachDevice_LiveNic_AppearsAndDetaches()
    {
        using var network = _conn.DefineNetworkXml(NetworkXml());
        network.Create();
        using (_conn.DefineNWFilterXml(FilterXml(22))) { }
        using var dom = _conn.DefineDomainXml(GuestXml(withNic: false));
        dom.Create();

        dom.AttachDevice(NicXml(), DeviceImpact.Live | DeviceImpact.Config);
        Assert.Contains(NetName, dom.GetXmlDescription());
        Assert.Contains(NetName, dom.GetXmlDescription(inactive: true));
        string vnet = VnetOf(dom.GetXmlDescription());
        Assert.Contains(vnet, await RunAsync("ip", "-o", "link"));

        dom.UpdateDevice(NicXml().Replace("<model type='virtio'/>", "<model type='virtio'/><link state='down'/>"), DeviceImpact.Live);
        Assert.Contains("state='down'", dom.GetXmlDescription());

        dom.DetachDevice(NicXml(), DeviceImpact.Config);
        Assert.DoesNotContain(NetName, dom.GetXmlDescription(inactive: true));
    }

    private static string ChainLines(string rules, string vnet) =>
        string.Join('\n', rules.Split('\n').Where(l => l.Contains(vnet, StringComparison.Ordinal)));

    private static string VnetOf(string domainXml)
    {
        var target = System.Xml.Linq.XDocument.Parse(domainXml).Descendants("interface").Single().Element("target");
        return target?.Attribute("dev")?.Value ?? throw new InvalidOperationException("The running NIC has no target device.");
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return await output + await error;
    }
}
