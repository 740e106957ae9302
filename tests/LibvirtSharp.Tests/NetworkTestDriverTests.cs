using LibvirtSharp;

namespace LibvirtSharp.Tests;

/// <summary>Networks on libvirt's in-process test driver, which ships a running network named "default".</summary>
public sealed class NetworkTestDriverTests : IDisposable
{
    private readonly Connection _conn = Connection.Open("test:///default");

    public void Dispose() => _conn.Dispose();

    private static string NetworkXml(string name, int octet) => $"""
        <network>
          <name>{name}</name>
          <bridge name='cpnu{octet}'/>
          <ip address='10.233.{octet}.1' netmask='255.255.255.0'>
            <dhcp><range start='10.233.{octet}.10' end='10.233.{octet}.200'/></dhcp>
          </ip>
        </network>
        """;

    [Fact]
    public void ListAllNetworks_TestDriver_ContainsActiveDefault()
    {
        var networks = _conn.ListAllNetworks();
        try
        {
            var network = Assert.Single(networks, n => n.Name == "default");
            Assert.True(network.IsActive);
            Assert.NotEqual(Guid.Empty, network.Uuid);
        }
        finally
        {
            foreach (var n in networks)
                n.Dispose();
        }
    }

    [Fact]
    public void LookupNetworkByName_Missing_ReturnsNull()
    {
        Assert.Null(_conn.LookupNetworkByName("cpn-missing-" + Guid.NewGuid().ToString("N")[..8]));
        Assert.Null(_conn.LookupNetworkByUuid(Guid.NewGuid()));
    }

    [Fact]
    public void DefineNetworkXml_ThenLifecycle_StartsStopsAndUndefines()
    {
        string name = "cpn-unit-" + Guid.NewGuid().ToString("N")[..8];
        using var network = _conn.DefineNetworkXml(NetworkXml(name, Random.Shared.Next(1, 250)));
        try
        {
            Assert.Equal(name, network.Name);
            Assert.False(network.IsActive);
            Assert.True(network.IsPersistent);
            network.Create();
            Assert.True(network.IsActive);
            network.Autostart = true;
            Assert.True(network.Autostart);
            Assert.Contains("<name>" + name + "</name>", network.GetXmlDescription());
            Assert.StartsWith("cpnu", network.GetBridgeName());
            using (var byUuid = _conn.LookupNetworkByUuid(network.Uuid))
                Assert.Equal(name, byUuid!.Name);
            network.Destroy();
            Assert.False(network.IsActive);
        }
        finally
        {
            if (network.IsActive)
                network.Destroy();
            network.Undefine();
        }
        Assert.Null(_conn.LookupNetworkByName(name));
    }

    [Fact]
    public void DefineNetworkXml_Invalid_ThrowsWithLibvirtMessage()
    {
        var ex = Assert.Throws<LibvirtException>(() => _conn.DefineNetworkXml("<network><bridge name='x'/></network>"));
        Assert.Contains("virNetworkDefineXML", ex.Message);
        Assert.NotEqual(0, ex.Code);
    }

    [Fact]
    public void GetDhcpLeases_TestDriver_ThrowsNotSupportedFromLibvirt()
    {
        using var network = _conn.LookupNetworkByName("default")!;
        // The test driver has no dnsmasq; the real host test reads real (empty) lease lists.
        var ex = Assert.Throws<LibvirtException>(() => network.GetDhcpLeases());
        Assert.Contains("virNetworkGetDHCPLeases", ex.Message);
    }
}
