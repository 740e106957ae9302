using System.Diagnostics;
using System.Xml.Linq;

namespace LibvirtSharp.Tests;

/// <summary>
/// Internal snapshots on qemu:///system of a guest laid out as the portal lays out a machine: a qcow2 disk and a
/// read-only raw CD-ROM on sata (the cloud-init seed). Its guests and files are named cpr-*; leftovers of a crashed
/// run are swept before the first test.
/// </summary>
public sealed class SnapshotRealHostSweepFixture
{
    public const string Prefix = "cpr-lvs-";

    public SnapshotRealHostSweepFixture()
    {
        using var conn = Connection.Open(RealHostSweepFixture.Uri);
        foreach (var dom in conn.ListAllDomains())
        {
            using (dom)
            {
                if (dom.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    RealHostTests.DestroyAndUndefine(dom);
            }
        }
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
            Directory.Delete(dir, recursive: true);
    }
}

[Trait("Category", "RealHost")]
public sealed class SnapshotRealHostTests : IClassFixture<SnapshotRealHostSweepFixture>, IAsyncLifetime
{
    public SnapshotRealHostTests(SnapshotRealHostSweepFixture sweep) => _ = sweep;

    private readonly string _name = SnapshotRealHostSweepFixture.Prefix + Guid.NewGuid().ToString("N")[..8];
    private Connection _conn = null!;
    private DirectoryInfo _dir = null!;

    private string DiskPath => Path.Combine(_dir.FullName, "disk.qcow2");
    private string SeedPath => Path.Combine(_dir.FullName, "seed.iso");

    public Task InitializeAsync()
    {
        _conn = Connection.Open(RealHostSweepFixture.Uri);
        _dir = Directory.CreateTempSubdirectory(_name + "-");
        // QEMU runs as another user: it must reach the files (libvirt gives it ownership of the images themselves).
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            using var dom = _conn.LookupDomainByName(_name);
            if (dom is not null)
                RealHostTests.DestroyAndUndefine(dom);
        }
        finally
        {
            _conn.Dispose();
            _dir.Delete(recursive: true);
        }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CreateSnapshot_QcowDiskBesideReadOnlyCdrom_CdromSkippedAndRevertRestoresDiskAndRunningState()
    {
        await RunAsync("qemu-img", "create", "-q", "-f", "qcow2", DiskPath, "64M");
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 1 0 1M", DiskPath);
        var seed = Enumerable.Range(0, 1 << 20).Select(i => (byte)(i % 251)).ToArray();
        await File.WriteAllBytesAsync(SeedPath, seed);
        using var dom = _conn.DefineDomainXml(GuestXml());

        // Stopped: the disk only; the read-only CD-ROM is left out instead of making the snapshot fail.
        using (var stopped = dom.CreateSnapshot("<domainsnapshot><name>stopped</name></domainsnapshot>"))
        {
            var disks = XDocument.Parse(stopped.GetXmlDescription()).Root!.Element("disks")!.Elements("disk")
                .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Attribute("snapshot"));
            Assert.Equal("internal", disks["vda"]);
            Assert.Equal("no", disks["sda"]);
            Assert.Equal("shutoff", (string?)XDocument.Parse(stopped.GetXmlDescription()).Root!.Element("state"));
        }
        await RunAsync("qemu-io", "-f", "qcow2", "-c", "write -P 2 0 1M", DiskPath);

        // Running: disk and memory.
        dom.Create();
        using (var running = dom.CreateSnapshot("<domainsnapshot><name>running</name><description>live</description></domainsnapshot>"))
            Assert.Equal("running", (string?)XDocument.Parse(running.GetXmlDescription()).Root!.Element("state"));
        dom.Destroy();

        using (var stopped = dom.LookupSnapshot("stopped"))
            stopped!.Revert();
        Assert.False(dom.IsActive);
        await RunAsync("qemu-io", "-r", "-f", "qcow2", "-c", "read -P 1 0 1M", DiskPath);

        using (var running = dom.LookupSnapshot("running"))
            running!.Revert();
        Assert.True(dom.IsActive);
        dom.Destroy();
        // The pattern written before the running snapshot is back with it.
        await RunAsync("qemu-io", "-r", "-f", "qcow2", "-c", "read -P 2 0 1M", DiskPath);
        Assert.Equal(seed, await File.ReadAllBytesAsync(SeedPath));

        foreach (var snapshot in dom.ListSnapshots())
        {
            using (snapshot)
                snapshot.Delete();
        }
        Assert.Empty(dom.ListSnapshots());
        Assert.DoesNotContain("stopped", await RunAsync("qemu-img", "snapshot", "-l", "-U", DiskPath));
    }

    private string GuestXml() => $"""
        <domain type='qemu'>
          <name>{_name}</name>
          <memory unit='MiB'>64</memory>
          <vcpu>1</vcpu>
          <os>
            <type arch='x86_64' machine='pc'>hvm</type>
          </os>
          <devices>
            <disk type='file' device='disk'>
              <driver name='qemu' type='qcow2'/>
              <source file='{DiskPath}'/>
              <target dev='vda' bus='virtio'/>
            </disk>
            <disk type='file' device='cdrom'>
              <driver name='qemu' type='raw'/>
              <source file='{SeedPath}'/>
              <target dev='sda' bus='sata'/>
              <readonly/>
            </disk>
            <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
          </devices>
        </domain>
        """;

    private static async Task<string> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        // qemu-io reports a pattern mismatch on stdout with exit code 0: both count as failure.
        var text = await output + await error;
        Assert.True(process.ExitCode == 0 && !text.Contains("Pattern verification failed", StringComparison.Ordinal),
            $"{tool} {string.Join(' ', args)}: {text}");
        return text;
    }
}
