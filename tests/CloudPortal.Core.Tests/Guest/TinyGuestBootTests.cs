using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CloudPortal.Core.CloudInit;
using Xunit.Abstractions;

namespace CloudPortal.Core.Tests.Guest;

/// <summary>Sweeps leftovers of an interrupted run (cpg-* domains and scratch directories) and builds the base image once.</summary>
public sealed class TinyGuestFixture : IAsyncLifetime
{
    public const string ScratchRoot = "/var/lib/cloudportal-test";

    public string BaseImage { get; private set; } = "";
    public TimeSpan ImageTime { get; private set; }

    public async Task InitializeAsync()
    {
        await Virsh.RemoveTestDomainsAsync();
        if (Directory.Exists(ScratchRoot))
        {
            foreach (var dir in Directory.GetDirectories(ScratchRoot, Virsh.TestPrefix + "*"))
                Directory.Delete(dir, recursive: true);
        }
        var clock = Stopwatch.StartNew();
        BaseImage = await GuestImage.GetAsync();
        ImageTime = clock.Elapsed;
        await EnsureDefaultNetworkAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    // The default NAT network is defined but not started on these machines (lab notes).
    private static async Task EnsureDefaultNetworkAsync()
    {
        var (_, info, _) = await Virsh.RunAsync("net-info", "default");
        if (Regex.IsMatch(info, @"^Active:\s+yes", RegexOptions.Multiline))
            return;
        var (code, output, error) = await Virsh.RunAsync("net-start", "default");
        if (code != 0 && !error.Contains("already active", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"virsh net-start default failed ({code}): {error} {output}");
    }
}

/// <summary>
/// The truth for the guest image and the seed: the tiny guest boots on qemu:///system (TCG) from an overlay of
/// the built base image, reads a seed made by <see cref="NoCloudSeedBuilder"/> from an IDE CD-ROM, gets a DHCP
/// lease on the default network and prints its ready line on the serial log.
/// </summary>
[Trait("Category", "RealHost")]
public sealed class TinyGuestBootTests(TinyGuestFixture fixture, ITestOutputHelper output) : IClassFixture<TinyGuestFixture>, IAsyncLifetime
{
    // Generous: two cores shared by many builds and guests under TCG (seen: 16 s idle, 183 s at load average 30).
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(300);

    private readonly string _name = Virsh.TestPrefix + "boot-" + Guid.NewGuid().ToString("N")[..8];
    private string _dir = "";

    public Task InitializeAsync()
    {
        _dir = Path.Combine(TinyGuestFixture.ScratchRoot, _name);
        Directory.CreateDirectory(_dir);
        // libvirt's QEMU runs as libvirt-qemu and must reach the overlay, the seed and the base image.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        // Runs whether or not the test passed, so a failing assertion never leaks a guest or its files.
        try
        {
            await Virsh.RunAsync("destroy", _name);
            await Virsh.RunAsync("undefine", _name);
        }
        finally
        {
            if (Directory.Exists(_dir))
                Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public async Task Boot_SeedIsoOnIdeCdrom_ReadyLineShowsSeedHostnameLeaseAndUserData()
    {
        output.WriteLine($"base image {fixture.BaseImage} ({new FileInfo(fixture.BaseImage).Length / 1024.0 / 1024.0:0.0} MiB), ready in {fixture.ImageTime.TotalSeconds:0.0} s");
        output.WriteLine(GuestImage.LastScriptLog);

        var nonce = Guid.NewGuid().ToString("N")[..12];
        var hostname = _name;
        var instanceId = "iid-" + nonce;
        var seed = new CloudInitSeed(
            instanceId,
            hostname,
            [CloudInit.CloudInitSeedTests.Ed25519 + " tester@cpg"],
            // Proves the script ran inside the guest, after the hostname and keys were applied.
            "#!/bin/sh\necho \"CPG-USERDATA nonce=" + nonce + " host=$(hostname) keys=$(grep -c ssh-ed25519 /root/.ssh/authorized_keys)\"\n");
        var seedIso = Path.Combine(_dir, "seed.iso");
        await NoCloudSeedBuilder.BuildIsoAsync(seed, seedIso, CancellationToken.None);

        var overlay = await CreateOverlayAsync();
        var serialLog = Path.Combine(_dir, "serial.log");

        var clock = Stopwatch.StartNew();
        var xml = Path.Combine(_dir, "domain.xml");
        await File.WriteAllTextAsync(xml, DomainXml(overlay, SeedCdrom(seedIso), serialLog));
        await Virsh.RequireAsync("create", xml);

        var ready = await SerialLog.WaitForLineAsync(serialLog, GuestImage.ReadyLine, ReadyTimeout);
        var startToReady = clock.Elapsed;
        output.WriteLine($"virsh create to ready line: {startToReady.TotalSeconds:0.0} s");
        output.WriteLine(ready.Value);

        Assert.Equal(hostname, ready.Groups["hostname"].Value);
        Assert.Equal(instanceId, ready.Groups["instanceId"].Value);
        Assert.Equal("/dev/sr0", ready.Groups["seed"].Value);
        Assert.Equal("1", ready.Groups["sshKeys"].Value);
        Assert.Equal("script:0", ready.Groups["userData"].Value);
        Assert.True(IPAddress.TryParse(ready.Groups["ip"].Value, out var ip), $"no address obtained: {ready.Value}");

        var marker = await SerialLog.WaitForLineAsync(serialLog, new Regex("^CPG-USERDATA nonce=" + nonce + " .*$"), TimeSpan.FromSeconds(5));
        Assert.Equal($"CPG-USERDATA nonce={nonce} host={hostname} keys=1", marker.Value);

        // This boot's own lease: the MAC is new for every domain, so an old lease cannot match it.
        var mac = Regex.Match((await Virsh.RunAsync("domiflist", _name)).Output, @"([0-9a-f]{2}:){5}[0-9a-f]{2}").Value;
        var leases = (await Virsh.RunAsync("net-dhcp-leases", "default", "--mac", mac)).Output;
        Assert.Contains(ip!.ToString() + "/", leases);

        output.WriteLine("serial log:\n" + SerialLog.Tail(serialLog, 4000));
    }

    [Fact]
    public async Task Boot_VfatSeedWithCloudConfig_InstallsItsKeysWithoutRunningAnything()
    {
        var key = CloudInit.CloudInitSeedTests.Ed25519 + " from-cloud-config";
        var seed = new CloudInitSeed(
            CloudInitSeedRules.NewInstanceId(),
            _name,
            [],
            new SeedYamlWriter().Comment("#cloud-config").List("ssh_authorized_keys", [key]).ToString());
        CloudInitSeedRules.Validate(seed);

        // The other seed form NoCloud reads: a vfat filesystem labelled CIDATA on a virtio disk.
        var seedImage = Path.Combine(_dir, "seed.img");
        await File.WriteAllTextAsync(Path.Combine(_dir, "meta-data"), NoCloudSeedBuilder.MetaData(seed));
        await File.WriteAllTextAsync(Path.Combine(_dir, "user-data"), NoCloudSeedBuilder.UserData(seed));
        await RunAsync("truncate", "-s", "2M", seedImage);
        await RunAsync("mkfs.vfat", "-n", "CIDATA", seedImage);
        await RunAsync("mcopy", "-i", seedImage, Path.Combine(_dir, "meta-data"), Path.Combine(_dir, "user-data"), "::/");

        var overlay = await CreateOverlayAsync();
        var serialLog = Path.Combine(_dir, "serial.log");
        var clock = Stopwatch.StartNew();
        var xml = Path.Combine(_dir, "domain.xml");
        await File.WriteAllTextAsync(xml, DomainXml(overlay, SeedVirtioDisk(seedImage), serialLog));
        await Virsh.RequireAsync("create", xml);

        var ready = await SerialLog.WaitForLineAsync(serialLog, GuestImage.ReadyLine, ReadyTimeout);
        output.WriteLine($"virsh create to ready line: {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine(ready.Value);

        Assert.Equal(_name, ready.Groups["hostname"].Value);
        Assert.Equal(seed.InstanceId, ready.Groups["instanceId"].Value);
        Assert.Equal("/dev/vdb", ready.Groups["seed"].Value);
        Assert.Equal("1", ready.Groups["sshKeys"].Value);
        Assert.Equal("cloud-config", ready.Groups["userData"].Value);
        Assert.True(IPAddress.TryParse(ready.Groups["ip"].Value, out _), $"no address obtained: {ready.Value}");
    }

    private async Task<string> CreateOverlayAsync()
    {
        var overlay = Path.Combine(_dir, "disk.qcow2");
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", fixture.BaseImage, overlay);
        return overlay;
    }

    private static XElement SeedCdrom(string iso) =>
        new("disk", new XAttribute("type", "file"), new XAttribute("device", "cdrom"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw")),
            new XElement("source", new XAttribute("file", iso)),
            new XElement("target", new XAttribute("dev", "hdc"), new XAttribute("bus", "ide")),
            new XElement("readonly"));

    private static XElement SeedVirtioDisk(string image) =>
        new("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
            new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "raw")),
            new XElement("source", new XAttribute("file", image)),
            new XElement("target", new XAttribute("dev", "vdb"), new XAttribute("bus", "virtio")),
            new XElement("readonly"));

    private string DomainXml(string overlay, XElement seedDisk, string serialLog) =>
        new XElement("domain", new XAttribute("type", "qemu"),
            new XElement("name", _name),
            new XElement("memory", new XAttribute("unit", "MiB"), 128),
            new XElement("vcpu", 1),
            new XElement("os",
                // The cloud kernel has no AHCI: machine type pc, so the CD-ROM is on IDE.
                new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", "pc"), "hvm"),
                new XElement("boot", new XAttribute("dev", "hd"))),
            new XElement("features", new XElement("acpi")),
            new XElement("devices",
                new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
                    new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", "qcow2")),
                    new XElement("source", new XAttribute("file", overlay)),
                    new XElement("target", new XAttribute("dev", "vda"), new XAttribute("bus", "virtio"))),
                seedDisk,
                new XElement("interface", new XAttribute("type", "network"),
                    new XElement("source", new XAttribute("network", "default")),
                    new XElement("model", new XAttribute("type", "virtio"))),
                new XElement("serial", new XAttribute("type", "pty"),
                    new XElement("log", new XAttribute("file", serialLog), new XAttribute("append", "off"))),
                new XElement("console", new XAttribute("type", "pty")))).ToString();

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr} {await stdout}");
    }
}
