using System.Diagnostics;
using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Networks;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Placement;
using CloudPortal.Data.Stores;
using LibvirtSharp;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudPortal.Core.Tests.Integration;

/// <summary>
/// Tenant networks and security groups on the real local libvirtd, at the host level: real bridges and dnsmasq,
/// real guests (diskless, in SeaBIOS) with NICs behind their group's nwfilter, and the per-NIC ebtables/iptables
/// chains libvirt makes of it, changed live when a rule is added.
/// </summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class NetworkRealHostTests : IAsyncLifetime
{
    // Nothing on this machine routes 10.232.0.0/16 (ip route), and no other test uses it.
    private const string Pool = "10.232.0.0/16";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly PortalHarness _portal = new();
    private readonly Connection _libvirt = Connection.Open(RealHostSweepFixture.Uri);
    private readonly List<Guid> _domains = [];
    private MachineService _service = null!;
    private NetworkService _networks = null!;
    private SecurityGroupService _groups = null!;
    private NetworkAttachments _attachments = null!;

    public NetworkRealHostTests(RealHostSweepFixture sweep)
    {
        Assert.NotNull(sweep);
        Sweep(_libvirt);
    }

    /// <summary>
    /// Removes what an interrupted earlier run left: cpn- guests, portal networks whose subnet lies in one of the
    /// tests' own pools (a portal that scripts/run started on this machine uses other subnets and keeps its networks),
    /// and portal filters that no defined guest refers to (an unreferenced filter is defined again when needed).
    /// </summary>
    internal static void Sweep(Connection connection)
    {
        string[] testPools = ["10.231.", "10.232.", "10.233.", "10.234."];
        foreach (var domain in connection.ListAllDomains())
            using (domain)
                if (domain.Name.StartsWith("cpn-", StringComparison.Ordinal))
                    DomainRemoval.Remove(connection, domain.Uuid);
        foreach (var network in connection.ListAllNetworks())
            using (network)
            {
                if (!network.Name.StartsWith(NetworkNames.NetworkPrefix, StringComparison.Ordinal))
                    continue;
                var address = System.Xml.Linq.XDocument.Parse(network.GetXmlDescription()).Root?.Element("ip")?.Attribute("address")?.Value ?? "";
                if (!testPools.Any(pool => address.StartsWith(pool, StringComparison.Ordinal)))
                    continue;
                if (network.IsActive)
                    network.Destroy();
                if (network.IsPersistent)
                    network.Undefine();
            }
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in connection.ListAllDomains())
            using (domain)
                foreach (var filterRef in System.Xml.Linq.XDocument.Parse(domain.GetXmlDescription(inactive: true)).Descendants("filterref"))
                    referenced.Add(filterRef.Attribute("filter")?.Value ?? "");
        foreach (var filter in connection.ListAllNWFilters())
            using (filter)
                if (filter.Name.StartsWith(NetworkNames.FilterPrefix, StringComparison.Ordinal) && !referenced.Contains(filter.Name))
                {
                    try { filter.Undefine(); }
                    catch (LibvirtException) { } // taken into use meanwhile: not ours to remove
                }
    }

    public async Task InitializeAsync()
    {
        await _portal.AddHostAsync(RealHostSweepFixture.Uri);
        var db = _portal.Database;
        var networkStore = new NetworkStore(db);
        var groupStore = new SecurityGroupStore(db);
        _networks = new NetworkService(networkStore, _portal.Connections, new SubnetPool(Pool), _portal.Audit);
        _groups = new SecurityGroupService(groupStore, networkStore, _portal.Connections, _portal.Audit);
        _attachments = new NetworkAttachments(networkStore, groupStore, _networks, _groups, new SubnetPool(Pool));
        _service = new MachineService(_portal.Machines, _portal.Operations, _portal.Connections, _portal.Executor, _portal.Events,
            _portal.Installation, _portal.Audit, _portal.Quotas, _portal.Placement,
            new PolicyConflicts(_portal.Trust, _portal.Groups, _portal.Placement), NullLogger<MachineService>.Instance, networks: _attachments);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _portal.DisposeAsync();
        }
        finally
        {
            // Guests first, then the networks and filters they used; also when the test failed.
            foreach (var uuid in _domains)
                try { DomainRemoval.Remove(_libvirt, uuid); } catch (LibvirtException) { }
            Sweep(_libvirt);
            _libvirt.Dispose();
        }
    }

    private async Task<Machine> CreateRunningAsync(Caller caller, Guid networkId, Guid? groupId = null)
    {
        var (machine, operation) = await _service.CreateAsync(caller,
            new MachineRequest("cpn-" + Guid.NewGuid().ToString("N")[..8], 1, 64, NetworkId: networkId, SecurityGroupId: groupId), None);
        _domains.Add(machine.DomainUuid);
        var finished = await _portal.WaitFinishedAsync(operation.Id, TimeSpan.FromSeconds(90));
        Assert.True(finished.State == OperationState.Succeeded, $"create failed: {finished.Error}");
        return (await _portal.Machines.GetAsync(machine.Id, None))!;
    }

    private (string Vnet, XElement Interface) NicOf(Machine machine)
    {
        using var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid)!;
        var iface = XDocument.Parse(domain.GetXmlDescription()).Descendants("interface").Single();
        return (iface.Element("target")!.Attribute("dev")!.Value, iface);
    }

    [Fact]
    public async Task TwoTenants_MachinesOnTheirNetworks_OwnBridgesFiltersAndChainsChangedLive()
    {
        var memberA = await _portal.AddCallerAsync(Roles.Member, await _portal.AddTenantAsync());
        var memberB = await _portal.AddCallerAsync(Roles.Member, await _portal.AddTenantAsync());
        var netA = await _networks.EnsureDefaultAsync(memberA.TenantId, None);
        var netB = await _networks.CreateAsync(memberB, "isolated-b", NetworkModes.Isolated, None);
        Assert.NotEqual(netA.Cidr, netB.Cidr);

        // A machine may only join its own tenant's network: B's is a 404 to A, and nothing is recorded.
        await Assert.ThrowsAsync<NotFoundException>(() => _service.CreateAsync(memberA,
            new MachineRequest("cpn-cross", 1, 64, NetworkId: netB.Id), None));
        Assert.Empty((await _portal.Machines.ListAsync(memberA.TenantId, new PageRequest(10, null), None)).Items);

        var a1 = await CreateRunningAsync(memberA, netA.Id);
        var a2 = await CreateRunningAsync(memberA, netA.Id);
        var b1 = await CreateRunningAsync(memberB, netB.Id);

        // Real networks: each its own bridge with its gateway address, and its own dnsmasq.
        foreach (var net in new[] { netA, netB })
        {
            using var live = _libvirt.LookupNetworkByUuid(net.Id)!;
            Assert.True(live.IsActive);
            Assert.Equal(NetworkNames.Bridge(net.Id), live.GetBridgeName());
            var gateway = SubnetPool.Gateway(System.Net.IPNetwork.Parse(net.Cidr));
            Assert.Contains($"{gateway}/24", await RunAsync("ip", "-4", "addr", "show", "dev", NetworkNames.Bridge(net.Id)));
            Assert.Contains(NetworkNames.Network(net.Id) + ".conf", await RunAsync("ps", "-eo", "args"));
        }
        using (var natA = _libvirt.LookupNetworkByUuid(netA.Id)!)
            Assert.Contains("<forward mode='nat'", natA.GetXmlDescription());
        using (var isoB = _libvirt.LookupNetworkByUuid(netB.Id)!)
            Assert.DoesNotContain("<forward", isoB.GetXmlDescription());

        var nicA1 = (await _attachments.GetNicAsync(a1.Id, None))!.Assignment;
        var nicA2 = (await _attachments.GetNicAsync(a2.Id, None))!.Assignment;
        var nicB1 = (await _attachments.GetNicAsync(b1.Id, None))!.Assignment;
        var (vnetA1, ifaceA1) = NicOf(a1);
        var (vnetA2, _) = NicOf(a2);
        var (vnetB1, ifaceB1) = NicOf(b1);
        Assert.Equal(NetworkNames.Network(netA.Id), ifaceA1.Element("source")!.Attribute("network")!.Value);
        Assert.Equal(NetworkNames.Network(netB.Id), ifaceB1.Element("source")!.Attribute("network")!.Value);
        Assert.Equal(NetworkNames.Filter(nicA1.SecurityGroupId), ifaceA1.Element("filterref")!.Attribute("filter")!.Value);
        Assert.NotEqual(nicA1.SecurityGroupId, nicB1.SecurityGroupId);

        // Anti-spoofing (clean-traffic) in ebtables: each vnet may only send from its own MAC and reserved address.
        string ebtables = await RunAsync("ebtables", "-t", "nat", "-L");
        foreach (var (vnet, nic) in new[] { (vnetA1, nicA1), (vnetA2, nicA2), (vnetB1, nicB1) })
        {
            Assert.Contains(vnet, ebtables);
            Assert.Contains(nic.IpAddress, ebtables);
        }

        // The default group lets a tenant's machines reach each other: A1's inbound chain accepts A2's address and
        // not B1's; B1's accepts neither of A's.
        string rules = await RunAsync("iptables", "-S");
        string chainA1 = Lines(rules, "FO-" + vnetA1), chainB1 = Lines(rules, "FO-" + vnetB1);
        Assert.Contains($"-s {nicA2.IpAddress}/32", chainA1);
        Assert.DoesNotContain(nicB1.IpAddress, chainA1);
        Assert.DoesNotContain(nicA1.IpAddress, chainB1);
        Assert.DoesNotContain(nicA2.IpAddress, chainB1);
        Assert.DoesNotMatch("--dport 8080 ", chainA1);

        // A rule opened while the guests run reaches their chains without a restart; removing it takes it away.
        var groupA = await _groups.GetAsync(memberA, nicA1.SecurityGroupId, None);
        var opened = await _groups.AddRuleAsync(memberA, groupA.Id, new SecurityRuleRequest("tcp", 8080, 8081, "192.168.50.0/24", null), None);
        string afterOpen = await RunAsync("iptables", "-S");
        Assert.Matches("-s 192.168.50.0/24 .*--dport 8080:8081 ", Lines(afterOpen, "FO-" + vnetA1));
        Assert.Matches("-s 192.168.50.0/24 .*--dport 8080:8081 ", Lines(afterOpen, "FO-" + vnetA2));
        Assert.DoesNotContain("8080", Lines(afterOpen, "FO-" + vnetB1));
        Assert.Equal(DomainState.Running, LibvirtState(a1));

        await _groups.RemoveRuleAsync(memberA, groupA.Id, opened.Group.Rules[^1].Id, None);
        Assert.DoesNotContain("8080", Lines(await RunAsync("iptables", "-S"), "FO-" + vnetA1));

        // A network in use cannot go; the refusal names the machines.
        var refused = await Assert.ThrowsAsync<ConflictException>(() => _networks.DeleteAsync(memberA, netA.Id, None));
        Assert.Contains(a1.Name, refused.Message);
        Assert.Contains(a2.Name, refused.Message);

        // Once its machines are gone it goes, and its bridge with it.
        foreach (var machine in new[] { a1, a2 })
        {
            var delete = await _service.DeleteAsync(memberA, machine.Id, None);
            Assert.Equal(OperationState.Succeeded, (await _portal.WaitFinishedAsync(delete.Id, TimeSpan.FromSeconds(60))).State);
        }
        await _networks.DeleteAsync(memberA, netA.Id, None);
        using (var gone = _libvirt.LookupNetworkByUuid(netA.Id))
            Assert.Null(gone);
        Assert.DoesNotContain(NetworkNames.Bridge(netA.Id), await RunAsync("ip", "-o", "link"));
    }

    private DomainState? LibvirtState(Machine machine)
    {
        using var domain = _libvirt.LookupDomainByUuid(machine.DomainUuid);
        return domain?.GetState().State;
    }

    private static string Lines(string rules, string chain) =>
        string.Join('\n', rules.Split('\n').Where(l => l.StartsWith("-A " + chain + " ", StringComparison.Ordinal)));

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
