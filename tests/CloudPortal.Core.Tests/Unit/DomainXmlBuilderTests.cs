using System.Xml.Linq;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Tests.Unit;

public sealed class DomainXmlBuilderTests
{
    private static readonly XNamespace PortalNs = PortalMetadata.NamespaceUri;

    private static Machine NewMachine(string name = "web-1", int vcpus = 3, int memoryMiB = 1536) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        TenantId = Guid.NewGuid(),
        OwnerId = Guid.NewGuid(),
        HostId = Guid.NewGuid(),
        State = MachineState.Provisioning,
        Vcpus = vcpus,
        MemoryMiB = memoryMiB,
        DomainUuid = Guid.NewGuid(),
    };

    private static (XElement Root, PortalMetadata Metadata) Build(Machine machine, string domainType)
    {
        var metadata = new PortalMetadata(Guid.NewGuid(), machine.Id, machine.TenantId, machine.OwnerId);
        var xml = DomainXmlBuilder.Build(new DomainSpec(machine, domainType, metadata));
        return (XDocument.Parse(xml).Root!, metadata);
    }

    [Theory]
    [InlineData("qemu")]
    [InlineData("kvm")]
    [InlineData("test")]
    public void Build_Machine_WellFormedWithTypeUuidMemoryVcpu(string domainType)
    {
        var machine = NewMachine();

        var (root, _) = Build(machine, domainType);

        Assert.Equal("domain", root.Name.LocalName);
        Assert.Equal(domainType, root.Attribute("type")?.Value);
        Assert.Equal(machine.DomainUuid, Guid.Parse(root.Element("uuid")!.Value));
        Assert.Equal("1536", root.Element("memory")!.Value);
        Assert.Equal("MiB", root.Element("memory")!.Attribute("unit")?.Value);
        Assert.Equal("3", root.Element("vcpu")!.Value);
        Assert.Equal(DomainXmlBuilder.DomainName(machine), root.Element("name")!.Value);
    }

    [Fact]
    public void Build_Machine_MetadataInPortalNamespaceRoundTrips()
    {
        var machine = NewMachine();

        var (root, metadata) = Build(machine, "qemu");

        var element = Assert.Single(root.Element("metadata")!.Elements());
        Assert.Equal(PortalNs + "machine", element.Name);
        var parsed = PortalMetadata.TryParse(element.ToString());
        Assert.Equal(metadata, parsed);
        Assert.Equal(machine.Id, parsed!.MachineId);
    }

    [Fact]
    public void Build_NameWithXmlMetacharacters_NoElementInjected()
    {
        var machine = NewMachine(name: "x</name><devices/>");

        var (root, _) = Build(machine, "qemu");

        var name = Assert.Single(root.Descendants("name"));
        Assert.StartsWith("x</name><devices/>", name.Value);
        Assert.Equal(DomainXmlBuilder.DomainName(machine), name.Value);
        var devices = Assert.Single(root.Descendants("devices"));
        // The builder's own devices element, with its own children, not an empty injected one.
        Assert.Equal(["graphics", "serial", "console", "memballoon"], devices.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public void Build_NameWithXmlMetacharactersOnTestType_NoDevicesAtAll()
    {
        var machine = NewMachine(name: "x</name><devices/>");

        var (root, _) = Build(machine, "test");

        Assert.Single(root.Descendants("name"));
        Assert.Empty(root.Descendants("devices"));
    }

    [Fact]
    public void Build_TestType_OmitsDevicesAndMachineAttribute()
    {
        var (root, _) = Build(NewMachine(), "test");

        Assert.Null(root.Element("devices"));
        Assert.Null(root.Element("os")!.Element("type")!.Attribute("machine"));
    }

    [Fact]
    public void Build_QemuType_VncOnLoopbackAndPcMachine()
    {
        var (root, _) = Build(NewMachine(), "qemu");

        var graphics = root.Element("devices")!.Element("graphics")!;
        Assert.Equal("vnc", graphics.Attribute("type")?.Value);
        Assert.Equal("127.0.0.1", graphics.Attribute("listen")?.Value);
        Assert.Equal("pc", root.Element("os")!.Element("type")!.Attribute("machine")?.Value);
        Assert.Equal("hvm", root.Element("os")!.Element("type")!.Value);
    }

    [Fact]
    public void DomainName_Machine_StartsWithNameThenEightHexOfId()
    {
        var machine = NewMachine(name: "db");

        var name = DomainXmlBuilder.DomainName(machine);

        Assert.StartsWith("db-", name);
        Assert.Equal(machine.Id.ToString("N")[..8], name["db-".Length..]);
    }

    [Fact]
    public void DomainName_SameNameDifferentMachines_Differ()
    {
        Assert.NotEqual(DomainXmlBuilder.DomainName(NewMachine("db")), DomainXmlBuilder.DomainName(NewMachine("db")));
    }
}
