using System.Net;
using System.Net.Http.Json;
using System.Xml.Linq;
using CloudPortal.Core.Networks;
using CloudPortal.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace CloudPortal.Web.Tests.Networks;

/// <summary>
/// A portal on qemu:///system whose tenant networks come from a subnet pool of its own (10.237.0.0/16) and whose
/// machines are cpip-*: both are swept before and after by subnet and prefix, so a portal from scripts/run (another
/// pool) and the other test classes are never touched.
/// </summary>
public sealed class NicPortal : PortalFixture
{
    public const string Prefix = "cpip-";
    private const string SubnetPrefix = "10.237.";

    public NicPortal() : base(Virsh.Uri) =>
        Factory.ExtraConfiguration = builder => builder.UseSetting("CloudPortal:Networks:Pool", "10.237.0.0/16");

    public override async Task InitializeAsync()
    {
        await SweepAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        finally
        {
            await SweepAsync();
        }
    }

    private static async Task SweepAsync()
    {
        await Virsh.RemoveDomainsAsync(Prefix);
        var (_, names, _) = await Virsh.RunAsync("net-list", "--all", "--name");
        foreach (var name in names.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                     .Where(n => n.StartsWith(NetworkNames.NetworkPrefix, StringComparison.Ordinal)))
        {
            var (_, xml, _) = await Virsh.RunAsync("net-dumpxml", name);
            var address = xml.Length == 0 ? "" : XDocument.Parse(xml).Root?.Element("ip")?.Attribute("address")?.Value ?? "";
            if (!address.StartsWith(SubnetPrefix, StringComparison.Ordinal))
                continue;
            await Virsh.RunAsync("net-destroy", name);
            await Virsh.RunAsync("net-undefine", name);
        }
    }
}

/// <summary>Issue 8.4: a machine's NICs with their MAC and addresses, through the API, on a real host and network.</summary>
[Trait("Category", "RealHost")]
public sealed class MachineNicTests(NicPortal portal) : IClassFixture<NicPortal>
{
    [Fact]
    public async Task GetNics_MachineOnATenantNetwork_ShowsTheDomainsMacAndTheReservedAddress()
    {
        using var createdNetwork = await portal.Admin.PostAsJsonAsync("/api/v1/networks", new { name = PortalApi.UniqueName("net"), mode = "nat" });
        var network = await createdNetwork.JsonAsync(HttpStatusCode.Created);
        using var create = await portal.Admin.PostAsJsonAsync("/api/v1/machines",
            new { name = PortalApi.UniqueName(NicPortal.Prefix.TrimEnd('-')), vcpus = 1, memoryMiB = 64, networkId = network.GetProperty("id").GetString() });
        var machine = await create.JsonAsync(HttpStatusCode.Accepted);
        var operation = await portal.Admin.WaitOperationAsync(machine.GetProperty("operationId").GetString()!, TimeSpan.FromMinutes(2));
        Assert.True(operation.GetProperty("state").GetString() == "succeeded", $"create failed: {operation}");

        using var response = await portal.Admin.GetAsync($"/api/v1/machines/{machine.GetProperty("id").GetString()}/nics");
        var nic = Assert.Single((await response.JsonAsync(HttpStatusCode.OK)).EnumerateArray());

        // The first NIC of a fresh network gets its .10 (.1 is the gateway).
        var cidr = network.GetProperty("cidr").GetString()!;
        var subnet = cidr[..cidr.IndexOf('/')];
        Assert.Equal(subnet[..subnet.LastIndexOf('.')] + ".10", nic.GetProperty("reservedAddress").GetString());
        Assert.Equal("network", nic.GetProperty("type").GetString());
        var (_, xml, _) = await Virsh.RunAsync("dumpxml", machine.GetProperty("domainUuid").GetString()!);
        var mac = XDocument.Parse(xml).Descendants("interface").Single().Element("mac")!.Attribute("address")!.Value;
        Assert.Equal(mac, nic.GetProperty("mac").GetString());
        // A diskless guest runs no DHCP client: no lease, and no error for it.
        Assert.Empty(nic.GetProperty("leases").EnumerateArray());
    }
}
