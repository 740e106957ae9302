using System.Xml.Linq;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Tests.Unit;

public sealed class DomainXmlResizerTests
{
    private const string LibvirtXml = """
        <domain type='qemu'>
          <name>web-1234abcd</name>
          <uuid>6f1d0c1e-0000-4000-8000-000000000001</uuid>
          <memory unit='KiB'>65536</memory>
          <currentMemory unit='KiB'>65536</currentMemory>
          <vcpu placement='static' current='1'>2</vcpu>
          <os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type><boot dev='hd'/></os>
          <devices>
            <disk type='file' device='disk'><source file='/var/lib/x.qcow2'/><target dev='vda' bus='virtio'/></disk>
            <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><model type='virtio'/></interface>
          </devices>
        </domain>
        """;

    [Fact]
    public void Resize_LibvirtXml_SetsSizeAndKeepsEveryDevice()
    {
        var root = XDocument.Parse(DomainXmlResizer.Resize(LibvirtXml, 4, 512)).Root!;

        Assert.Equal("512", root.Element("memory")!.Value);
        Assert.Equal("MiB", root.Element("memory")!.Attribute("unit")!.Value);
        Assert.Equal("512", root.Element("currentMemory")!.Value);
        Assert.Equal("4", root.Element("vcpu")!.Value);
        Assert.Null(root.Element("vcpu")!.Attribute("current"));
        Assert.NotNull(root.Element("devices")!.Element("disk"));
        Assert.Equal("52:54:00:aa:bb:cc", root.Element("devices")!.Element("interface")!.Element("mac")!.Attribute("address")!.Value);
        Assert.Equal("web-1234abcd", root.Element("name")!.Value);
    }

    [Fact]
    public void Resize_NoCurrentMemoryElement_AddsOne()
    {
        var xml = "<domain type='test'><name>t</name><memory unit='MiB'>64</memory><vcpu>1</vcpu></domain>";

        var root = XDocument.Parse(DomainXmlResizer.Resize(xml, 2, 128)).Root!;

        Assert.Equal("128", root.Element("currentMemory")!.Value);
        Assert.Equal("2", root.Element("vcpu")!.Value);
    }

    [Theory]
    [InlineData(0, 128)]
    [InlineData(-1, 128)]
    [InlineData(65, 128)]
    [InlineData(1, 31)]
    [InlineData(1, 256 * 1024 + 1)]
    public void Resize_NumberOutOfBounds_Throws(int vcpus, int memoryMiB)
    {
        // Bad numbers must never reach libvirtd (a negative vCPU count kills libvirtd 9.0).
        Assert.Throws<ArgumentOutOfRangeException>(() => DomainXmlResizer.Resize(LibvirtXml, vcpus, memoryMiB));
    }

    [Fact]
    public void NicsOf_DomainWithInterface_MacSourceAndModel()
    {
        var nic = Assert.Single(MachineService.NicsOf(LibvirtXml));

        Assert.Equal(new MachineNic("52:54:00:aa:bb:cc", "network", "default", "virtio"), nic);
        Assert.Empty(MachineService.NicsOf("<domain><devices/></domain>"));
    }
}
