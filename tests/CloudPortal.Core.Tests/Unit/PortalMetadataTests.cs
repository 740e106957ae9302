using System.Xml.Linq;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Tests.Unit;

public sealed class PortalMetadataTests
{
    private static readonly PortalMetadata Sample = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

    [Fact]
    public void ToXml_Sample_IsMachineElementInPortalNamespace()
    {
        var element = XElement.Parse(Sample.ToXml());

        Assert.Equal(XName.Get("machine", PortalMetadata.NamespaceUri), element.Name);
        Assert.Equal(Sample.MachineId, Guid.Parse(element.Attribute("id")!.Value));
    }

    [Fact]
    public void TryParse_OwnXml_RoundTrips()
    {
        Assert.Equal(Sample, PortalMetadata.TryParse(Sample.ToXml()));
    }

    [Fact]
    public void TryParse_PrefixedElementAsLibvirtReturnsIt_RoundTrips()
    {
        var xml = $"<cloudportal:machine xmlns:cloudportal=\"{PortalMetadata.NamespaceUri}\" installation=\"{Sample.InstallationId}\" " +
                  $"id=\"{Sample.MachineId}\" tenant=\"{Sample.TenantId}\" owner=\"{Sample.OwnerId}\"/>";

        Assert.Equal(Sample, PortalMetadata.TryParse(xml));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("garbage")]
    [InlineData("<machine")]
    [InlineData("<machine id='1'></other>")]
    public void TryParse_NullOrGarbage_ReturnsNull(string? xml)
    {
        Assert.Null(PortalMetadata.TryParse(xml));
    }

    [Fact]
    public void TryParse_OtherElement_ReturnsNull()
    {
        var xml = Sample.ToXml().Replace("<machine", "<disk");

        Assert.Null(PortalMetadata.TryParse(xml));
    }

    [Theory]
    [InlineData("installation")]
    [InlineData("id")]
    [InlineData("tenant")]
    [InlineData("owner")]
    public void TryParse_MissingAttribute_ReturnsNull(string attribute)
    {
        var element = XElement.Parse(Sample.ToXml());
        element.Attribute(attribute)!.Remove();

        Assert.Null(PortalMetadata.TryParse(element.ToString()));
    }

    [Fact]
    public void TryParse_AttributeNotAGuid_ReturnsNull()
    {
        var element = XElement.Parse(Sample.ToXml());
        element.SetAttributeValue("tenant", "not-a-guid");

        Assert.Null(PortalMetadata.TryParse(element.ToString()));
    }

    // Low impact: libvirt only hands back the element of the namespace asked for. But the method's contract is
    // "null when ... not ours", and it only compares the local name.
    [Fact]
    public void TryParse_MachineElementOfAnotherNamespace_ReturnsNull()
    {
        var xml = Sample.ToXml().Replace(PortalMetadata.NamespaceUri, "urn:someone-else");

        Assert.Null(PortalMetadata.TryParse(xml));
    }
}
