using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Storage;

namespace CloudPortal.Core.Tests.Storage;

public sealed class StorageXmlBuilderTests
{
    private static readonly Guid Host = Guid.NewGuid();

    private static XElement Pool(PoolRequest request) =>
        XDocument.Parse(StorageXmlBuilder.Pool(PoolRules.Validate(request))).Root!;

    [Fact]
    public void Pool_Dir_HasNameTypeAndTargetOnly()
    {
        var root = Pool(new PoolRequest(Host, "images", "dir", "/var/lib/cloudportal/pool"));
        Assert.Equal("dir", root.Attribute("type")!.Value);
        Assert.Equal("images", root.Element("name")!.Value);
        Assert.Equal("/var/lib/cloudportal/pool", root.Element("target")!.Element("path")!.Value);
        Assert.Null(root.Element("source"));
    }

    [Fact]
    public void Pool_Fs_HasSourceDevice()
    {
        var root = Pool(new PoolRequest(Host, "disk2", "fs", "/mnt/disk2", SourceDevice: "/dev/sdb1"));
        Assert.Equal("/dev/sdb1", root.Element("source")!.Element("device")!.Attribute("path")!.Value);
    }

    [Fact]
    public void Pool_NetFs_HasHostDirAndNfsFormat()
    {
        var root = Pool(new PoolRequest(Host, "shared", "netfs", "/mnt/shared", SourceHost: "nfs.lab", SourcePath: "/export/vm"));
        var source = root.Element("source")!;
        Assert.Equal("nfs.lab", source.Element("host")!.Attribute("name")!.Value);
        Assert.Equal("/export/vm", source.Element("dir")!.Attribute("path")!.Value);
        Assert.Equal("nfs", source.Element("format")!.Attribute("type")!.Value);
    }

    [Fact]
    public void Pool_LogicalWithoutTarget_TargetsVolumeGroupDevice()
    {
        var root = Pool(new PoolRequest(Host, "vg", "logical", null, SourceName: "vg0"));
        Assert.Equal("vg0", root.Element("source")!.Element("name")!.Value);
        Assert.Equal("/dev/vg0", root.Element("target")!.Element("path")!.Value);
    }

    [Theory]
    [InlineData("bad name", "dir", "/x", null, null, "name")]
    [InlineData("p", "zfs", "/x", null, null, "type")]
    [InlineData("p", "dir", "relative/path", null, null, "targetPath")]
    [InlineData("p", "dir", "/a/../etc", null, null, "targetPath")]
    [InlineData("p", "dir", "/a'/b", null, null, "targetPath")]
    [InlineData("p", "dir", "/x", "/dev/sda", null, "sourceDevice")]
    [InlineData("p", "fs", "/x", null, null, "sourceDevice")]
    [InlineData("p", "fs", "/x", "/etc/passwd", null, "sourceDevice")]
    [InlineData("p", "netfs", "/x", null, "bad host!", "sourceHost")]
    [InlineData("p", "netfs", "/x", null, null, "sourceHost")]
    public void Validate_BadInput_NamesField(string name, string type, string target, string? device, string? sourceHost, string field)
    {
        var ex = Assert.Throws<ValidationFailedException>(() =>
            PoolRules.Validate(new PoolRequest(Host, name, type, target, device, sourceHost)));
        Assert.Contains(field, ex.Errors.Keys);
    }

    [Fact]
    public void Validate_MissingHost_NamesHostId()
    {
        var ex = Assert.Throws<ValidationFailedException>(() => PoolRules.Validate(new PoolRequest(null, "p", "dir", "/x")));
        Assert.Contains("hostId", ex.Errors.Keys);
    }

    [Fact]
    public void Pool_NameWithMarkup_IsEscapedNotInjected()
    {
        // The name rule rejects it first; the builder itself also never emits raw input.
        var definition = new PoolDefinition(Host, "a</name><evil/>", "dir", "/x", null, null, null, null);
        var root = XDocument.Parse(StorageXmlBuilder.Pool(definition)).Root!;
        Assert.Equal("a</name><evil/>", root.Element("name")!.Value);
        Assert.Empty(root.Descendants("evil"));
    }

    [Fact]
    public void Volume_Qcow2Overlay_HasBackingStoreWithExplicitFormat()
    {
        var root = XDocument.Parse(StorageXmlBuilder.Volume(
            new VolumeSpec("m.qcow2", ImageFormat.Qcow2, 10L << 30, "/var/lib/cloudportal/pool/base.img", ImageFormat.Raw))).Root!;
        Assert.Equal("m.qcow2", root.Element("name")!.Value);
        Assert.Equal("bytes", root.Element("capacity")!.Attribute("unit")!.Value);
        Assert.Equal((10L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), root.Element("capacity")!.Value);
        Assert.Equal("qcow2", root.Element("target")!.Element("format")!.Attribute("type")!.Value);
        var backing = root.Element("backingStore")!;
        Assert.Equal("/var/lib/cloudportal/pool/base.img", backing.Element("path")!.Value);
        Assert.Equal("raw", backing.Element("format")!.Attribute("type")!.Value);
    }

    [Fact]
    public void Volume_Raw_HasNoBackingStore()
    {
        var root = XDocument.Parse(StorageXmlBuilder.Volume(new VolumeSpec("d.raw", ImageFormat.Raw, 1 << 20))).Root!;
        Assert.Equal("raw", root.Element("target")!.Element("format")!.Attribute("type")!.Value);
        Assert.Null(root.Element("backingStore"));
    }

    [Fact]
    public void Volume_Qcow2Version3_AsksForCompat11()
    {
        var target = XDocument.Parse(StorageXmlBuilder.Volume(new VolumeSpec("c.qcow2", ImageFormat.Qcow2, 1 << 20, Qcow2Version3: true))).Root!.Element("target")!;
        Assert.Equal("1.1", target.Element("compat")!.Value);
        Assert.Null(XDocument.Parse(StorageXmlBuilder.Volume(new VolumeSpec("o.qcow2", ImageFormat.Qcow2, 1 << 20))).Root!.Element("target")!.Element("compat"));
    }

    [Fact]
    public void Volume_RawVersion3_Throws() =>
        Assert.Throws<ArgumentException>(() => StorageXmlBuilder.Volume(new VolumeSpec("d.raw", ImageFormat.Raw, 1 << 20, Qcow2Version3: true)));

    [Fact]
    public void Volume_RawWithBacking_Throws() =>
        Assert.Throws<ArgumentException>(() => StorageXmlBuilder.Volume(new VolumeSpec("d.raw", ImageFormat.Raw, 1 << 20, "/b")));

    [Fact]
    public void DomainXml_WithRootDisk_HasVirtioQcow2Disk()
    {
        var machine = new Machine { Id = Guid.NewGuid(), Name = "m", Vcpus = 1, MemoryMiB = 64, DomainUuid = Guid.NewGuid() };
        var xml = DomainXmlBuilder.Build(new DomainSpec(machine, "qemu",
            new PortalMetadata(Guid.NewGuid(), machine.Id, Guid.NewGuid(), Guid.NewGuid()), new MachineDisk("/p/m.qcow2")));
        var disk = Assert.Single(XDocument.Parse(xml).Root!.Element("devices")!.Elements("disk"));
        Assert.Equal("qcow2", disk.Element("driver")!.Attribute("type")!.Value);
        Assert.Equal("/p/m.qcow2", disk.Element("source")!.Attribute("file")!.Value);
        Assert.Equal("virtio", disk.Element("target")!.Attribute("bus")!.Value);
    }

    [Fact]
    public void DomainXml_WithoutRootDisk_IsDiskless()
    {
        var machine = new Machine { Id = Guid.NewGuid(), Name = "m", Vcpus = 1, MemoryMiB = 64, DomainUuid = Guid.NewGuid() };
        var xml = DomainXmlBuilder.Build(new DomainSpec(machine, "qemu",
            new PortalMetadata(Guid.NewGuid(), machine.Id, Guid.NewGuid(), Guid.NewGuid())));
        Assert.Empty(XDocument.Parse(xml).Root!.Element("devices")!.Elements("disk"));
    }
}

public sealed class MachineRequestDiskRulesTests
{
    [Fact]
    public void Validate_DiskWithoutImage_NamesDiskGiB()
    {
        var ex = Assert.Throws<ValidationFailedException>(() => MachineRequestRules.Validate(new MachineRequest("a", 1, 64, DiskGiB: 5)));
        Assert.Contains("diskGiB", ex.Errors.Keys);
    }

    [Theory]
    [InlineData("not-a-guid", null, "imageId")]
    [InlineData("00000000-0000-0000-0000-00000000abcd", 0, "diskGiB")]
    [InlineData("00000000-0000-0000-0000-00000000abcd", 100000, "diskGiB")]
    public void Validate_BadImageOrDisk_NamesField(string imageId, int? diskGiB, string field)
    {
        var ex = Assert.Throws<ValidationFailedException>(() =>
            MachineRequestRules.Validate(new MachineRequest("a", 1, 64, ImageId: imageId, DiskGiB: diskGiB)));
        Assert.Contains(field, ex.Errors.Keys);
    }

    [Fact]
    public void Validate_ImageAndDisk_Kept()
    {
        var valid = MachineRequestRules.Validate(new MachineRequest("a", 1, 64, ImageId: "00000000-0000-0000-0000-00000000abcd", DiskGiB: 20));
        Assert.Equal(Guid.Parse("00000000-0000-0000-0000-00000000abcd"), valid.ImageId);
        Assert.Equal(20, valid.DiskGiB);
    }

    [Fact]
    public void CapacityBytes_BiggerOfRequestAndVirtualSize()
    {
        var image = new Core.Images.ImageContent(Guid.NewGuid(), "i", "00", Core.Images.ImageFormat.Qcow2, 3L << 30, 1 << 20, "/x");
        Assert.Equal(3L << 30, MachineDisks.CapacityBytes(image, null));
        Assert.Equal(10L << 30, MachineDisks.CapacityBytes(image, 10));
    }
}
