using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CloudPortal.Core.CloudInit;
using CloudPortal.Core.Networks;
using LibvirtSharp;
using Xunit.Abstractions;

namespace CloudPortal.Core.Tests.Integration;

/// <summary>
/// The bar with real guests (the tiny image of scripts/make-guest-image, TCG): on the portal's own network
/// and filter XML, two machines of one tenant reach each other, a machine of another tenant cannot be reached, a
/// spoofed source address is dropped, and a rule opened while the guests run takes effect.
/// </summary>
[Trait("Category", "RealHost")]
[Collection(RealHostCollection.Name)]
public sealed class NetworkGuestTests(RealHostSweepFixture sweep, ITestOutputHelper output) : IAsyncLifetime
{
    private const string ScratchRoot = "/var/lib/cloudportal-test";
    // Guests under TCG on two shared cores: seen from 16 s idle to minutes under load.
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(420);

    private readonly Connection _libvirt = Connection.Open(RealHostSweepFixture.Uri);
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private string _dir = "";

    public Task InitializeAsync()
    {
        Assert.NotNull(sweep);
        NetworkRealHostTests.Sweep(_libvirt);
        if (Directory.Exists(ScratchRoot))
            foreach (var dir in Directory.GetDirectories(ScratchRoot, "cpn-*"))
                Directory.Delete(dir, recursive: true);
        _dir = Path.Combine(ScratchRoot, "cpn-" + _id);
        Directory.CreateDirectory(_dir);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            NetworkRealHostTests.Sweep(_libvirt);
        }
        finally
        {
            _libvirt.Dispose();
            if (Directory.Exists(_dir))
                Directory.Delete(_dir, recursive: true);
        }
        return Task.CompletedTask;
    }

    private static TenantNetwork Net(string mode, string cidr) => new()
    {
        Id = Guid.NewGuid(), TenantId = Guid.NewGuid(), Name = mode, Mode = mode, Cidr = cidr,
    };

    private static NicAssignment Nic(TenantNetwork network, SecurityGroup group, int host)
    {
        var address = SubnetPool.Host(System.Net.IPNetwork.Parse(network.Cidr), host);
        return new NicAssignment(Guid.NewGuid(), network.Id, group.Id, SubnetPool.MacFor(address), address.ToString());
    }

    private static SecurityGroup MembersOnly(Guid tenantId)
    {
        var id = Guid.NewGuid();
        return new SecurityGroup
        {
            Id = id, TenantId = tenantId, Name = "default", IsDefault = true,
            Rules = [new SecurityGroupRule { Id = Guid.NewGuid(), GroupId = id, Protocol = SecurityProtocols.All, SourceGroupId = id }],
        };
    }

    [Fact]
    public async Task Guests_SameTenantReach_OtherTenantAndSpoofDropped_LiveRuleTakesEffect()
    {
        var image = await GuestImage.GetAsync();
        // 10.234.0.0/16: used by nothing else on this machine (ip route) nor by other tests.
        var netA = Net(NetworkModes.Nat, "10.234.5.0/24");
        var netB = Net(NetworkModes.Isolated, "10.234.6.0/24");
        var groupA = MembersOnly(netA.TenantId);
        var groupB = MembersOnly(netB.TenantId);
        var a1 = Nic(netA, groupA, 10);
        var a2 = Nic(netA, groupA, 11);
        // A member of A's group that never boots: its address is one the group's rules admit, so when a2 sends from
        // it only clean-traffic (a2's NIC may use a2's address alone) can drop the packet.
        var a3 = Nic(netA, groupA, 12);
        var b1 = Nic(netB, groupB, 10);

        using (var n = _libvirt.DefineNetworkXml(NetworkXmlBuilder.Build(netA, [a1, a2]))) n.Create();
        using (var n = _libvirt.DefineNetworkXml(NetworkXmlBuilder.Build(netB, [b1]))) n.Create();
        var members = new Dictionary<Guid, IReadOnlyList<string>> { [groupA.Id] = [a1.IpAddress, a2.IpAddress, a3.IpAddress], [groupB.Id] = [b1.IpAddress] };
        // Tenant A's group starts without rules: nothing inbound, not even from its own machines.
        _libvirt.DefineNWFilterXml(NwFilterXmlBuilder.Build(groupA with { Rules = [] }, members)).Dispose();
        _libvirt.DefineNWFilterXml(NwFilterXmlBuilder.Build(groupB, members)).Dispose();

        // a2 keeps trying: its peer a1, B's machine (routed through the NAT host into B's isolated bridge), and a1
        // again from an address that is not its own but a group member's (a3's). One line per round, so one line shows
        // all three at one time.
        string probe = $"""
            #!/bin/sh
            ( while true; do
                sleep 3
                if ping -c 1 -W 2 {a1.IpAddress} >/dev/null 2>&1; then p=ok; else p=fail; fi
                if ping -c 1 -W 2 {b1.IpAddress} >/dev/null 2>&1; then o=ok; else o=fail; fi
                ip addr add {a3.IpAddress}/24 dev eth0 2>/dev/null
                if ping -c 1 -W 2 -I {a3.IpAddress} {a1.IpAddress} >/dev/null 2>&1; then s=ok; else s=fail; fi
                echo "CPN-PING peer=$p other=$o spoof=$s"
              done ) >/dev/ttyS0 2>&1 &
            """.Replace("\r", "");

        var clock = Stopwatch.StartNew();
        var logA1 = await StartGuestAsync("a1", image, netA, a1, null);
        var logB1 = await StartGuestAsync("b1", image, netB, b1, null);
        var logA2 = await StartGuestAsync("a2", image, netA, a2, probe + "\n");

        foreach (var (log, nic) in new[] { (logA1, a1), (logB1, b1), (logA2, a2) })
        {
            var ready = await SerialLog.WaitForLineAsync(log, GuestImage.ReadyLine, BootTimeout);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: {ready.Value}");
            Assert.Equal(nic.IpAddress, ready.Groups["ip"].Value);
        }

        var closed = await SerialLog.WaitForLineAsync(logA2, new Regex("^CPN-PING .*$"), TimeSpan.FromSeconds(150));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: {closed.Value}");
        Assert.Equal("CPN-PING peer=fail other=fail spoof=fail", closed.Value);

        // The rule "all from the group's own machines" opened while the guests run: the peer answers without a
        // restart; B's machine stays dropped, and so does the spoofed member address, which the rule itself admits:
        // that drop is clean-traffic's.
        _libvirt.DefineNWFilterXml(NwFilterXmlBuilder.Build(groupA, members)).Dispose();
        var round = await SerialLog.WaitForLineAsync(logA2, new Regex("^CPN-PING peer=ok other=\\S+ spoof=\\S+$"), TimeSpan.FromSeconds(150));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0} s: {round.Value}");
        Assert.Equal("CPN-PING peer=ok other=fail spoof=fail", round.Value);
        output.WriteLine($"done in {clock.Elapsed.TotalSeconds:0} s");
    }

    private async Task<string> StartGuestAsync(string role, string image, TenantNetwork network, NicAssignment nic, string? userData)
    {
        string name = $"cpn-g{_id}-{role}";
        var overlay = Path.Combine(_dir, role + ".qcow2");
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", image, overlay);
        var seedIso = Path.Combine(_dir, role + "-seed.iso");
        await NoCloudSeedBuilder.BuildIsoAsync(new CloudInitSeed("iid-" + _id + role, name, [], userData), seedIso, CancellationToken.None);
        var log = Path.Combine(_dir, role + "-serial.log");
        var xml = new XElement("domain", new XAttribute("type", "qemu"),
            new XElement("name", name),
            new XElement("memory", new XAttribute("unit", "MiB"), 128),
            new XElement("vcpu", 1),
            new XElement("os", new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", "pc"), "hvm"),
                new XElement("boot", new XAttribute("dev", "hd"))),
            new XElement("features", new XElement("acpi")),
            new XElement("devices",
                new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
                    new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "qcow2")),
                    new XElement("source", new XAttribute("file", overlay)),
                    new XElement("target", new XAttribute("dev", "vda"), new XAttribute("bus", "virtio"))),
                new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "cdrom"),
                    new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw")),
                    new XElement("source", new XAttribute("file", seedIso)),
                    new XElement("target", new XAttribute("dev", "hdc"), new XAttribute("bus", "ide")),
                    new XElement("readonly")),
                // The NIC exactly as DomainXmlBuilder writes it for a portal machine.
                XElement.Parse(InterfaceXml(nic, network)),
                new XElement("serial", new XAttribute("type", "pty"),
                    new XElement("log", new XAttribute("file", log), new XAttribute("append", "off"))),
                new XElement("console", new XAttribute("type", "pty"))));
        using var domain = _libvirt.DefineDomainXml(xml.ToString());
        domain.Create();
        return log;
    }

    private static string InterfaceXml(NicAssignment nic, TenantNetwork network)
    {
        var machine = new Machines.Machine { Id = nic.MachineId, Name = "probe", Vcpus = 1, MemoryMiB = 64, DomainUuid = Guid.NewGuid() };
        var domain = XElement.Parse(Machines.DomainXmlBuilder.Build(new Machines.DomainSpec(machine, "qemu",
            new Machines.PortalMetadata(Guid.NewGuid(), machine.Id, Guid.NewGuid(), Guid.NewGuid()), Nic: new NicPlan(nic, network.Cidr, "10.234.0.0/16"))));
        return domain.Element("devices")!.Element("interface")!.ToString();
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} failed ({process.ExitCode}): {await stderr}");
    }
}
