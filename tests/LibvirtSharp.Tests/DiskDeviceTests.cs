using System.Diagnostics;
using System.Xml.Linq;

namespace LibvirtSharp.Tests;

/// <summary>Removes cpv-lvs- guests and disk files left behind by a crashed earlier run, once per class.</summary>
public sealed class DiskDeviceSweepFixture
{
    public const string Prefix = "cpv-lvs-";

    public DiskDeviceSweepFixture()
    {
        using var conn = Connection.Open(RealHostSweepFixture.Uri);
        foreach (var dom in conn.ListAllDomains())
            using (dom)
                if (dom.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    RealHostTests.DestroyAndUndefine(dom);
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Prefix + "*"))
            File.Delete(file);
    }
}

/// <summary>Disk hot-plug and live growth (data volumes) on the real local libvirtd, a diskless TCG guest.</summary>
[Trait("Category", "RealHost")]
public sealed class DiskDeviceRealHostTests : IClassFixture<DiskDeviceSweepFixture>, IDisposable
{
    private readonly Connection _conn = Connection.Open(RealHostSweepFixture.Uri);
    private readonly string _name = DiskDeviceSweepFixture.Prefix + Guid.NewGuid().ToString("N")[..8];
    private readonly string _file;

    public DiskDeviceRealHostTests(DiskDeviceSweepFixture sweep)
    {
        _ = sweep;
        _file = Path.Combine(Path.GetTempPath(), _name + ".qcow2");
    }

    public void Dispose()
    {
        try
        {
            using (var dom = _conn.LookupDomainByName(_name))
                if (dom is not null)
                    RealHostTests.DestroyAndUndefine(dom);
            File.Delete(_file);
        }
        finally
        {
            _conn.Dispose();
        }
    }

    private string DiskXml() => $"""
        <disk type='file' device='disk'>
          <driver name='qemu' type='qcow2'/>
          <source file='{_file}'/>
          <target dev='vdb' bus='virtio'/>
        </disk>
        """;

    private static string? TargetOf(string domainXml) =>
        XDocument.Parse(domainXml).Descendants("disk").Select(d => d.Element("target")?.Attribute("dev")?.Value).SingleOrDefault();

    [Fact]
    public async Task AttachDevice_DiskIntoRunningGuest_InLiveAndPersistentXmlThenGrowsAndDetaches()
    {
        await RunAsync("qemu-img", "create", "-f", "qcow2", _file, "64M");
        // ACPI: without it the pc machine's PCI bus takes no hot-plugged device.
        using var dom = _conn.DefineDomainXml($"""
            <domain type='qemu'>
              <name>{_name}</name>
              <memory unit='MiB'>64</memory>
              <vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <features><acpi/></features>
              <devices><serial type='pty'/></devices>
            </domain>
            """);
        dom.Create();

        dom.AttachDevice(DiskXml(), DeviceImpact.Live | DeviceImpact.Config);
        Assert.Equal("vdb", TargetOf(dom.GetXmlDescription()));
        Assert.Equal("vdb", TargetOf(dom.GetXmlDescription(inactive: true)));

        dom.BlockResize("vdb", 128UL << 20);
        Assert.Contains($"\"virtual-size\": {128L << 20}", await RunAsync("qemu-img", "info", "-U", "--output=json", _file), StringComparison.Ordinal);

        // A guest with no OS never lets go of a live virtio disk, so only the definition is checked here.
        dom.DetachDevice(DiskXml(), DeviceImpact.Config);
        Assert.Null(TargetOf(dom.GetXmlDescription(inactive: true)));
        Assert.Equal("vdb", TargetOf(dom.GetXmlDescription()));
    }

    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {await error}");
        return await output;
    }
}

/// <summary>The test driver has no disk hot-plug: the wrappers report libvirt's error instead of failing silently.</summary>
public sealed class DiskDeviceTestDriverTests
{
    [Fact]
    public void AttachDetachBlockResize_TestDriver_ThrowNoSupportFromLibvirt()
    {
        using var conn = Connection.Open("test:///default");
        using var dom = conn.LookupDomainByName("test")!;
        const string disk = "<disk type='file' device='disk'><source file='/x.qcow2'/><target dev='vdb' bus='virtio'/></disk>";

        var attach = Assert.Throws<LibvirtException>(() => dom.AttachDevice(disk, DeviceImpact.Live));
        var detach = Assert.Throws<LibvirtException>(() => dom.DetachDevice(disk, DeviceImpact.Config));
        var resize = Assert.Throws<LibvirtException>(() => dom.BlockResize("vda", 1UL << 30));

        Assert.All(new[] { attach, detach, resize }, ex => Assert.Equal(3, ex.Code));
        Assert.Contains("virDomainAttachDeviceFlags", attach.LibvirtMessage);
        Assert.Contains("virDomainBlockResize", resize.LibvirtMessage);
    }
}
