using System.Xml.Linq;

namespace CloudPortal.Core.Machines;

/// <summary>
/// What every portal domain carries in its libvirt &lt;metadata&gt;, so that the portal can recognise its
/// machines on any host, even after losing its database rows.
/// </summary>
public sealed record PortalMetadata(Guid InstallationId, Guid MachineId, Guid TenantId, Guid OwnerId)
{
    public const string NamespaceUri = "https://cloudportal.dev/xmlns/machine/1";
    public const string Prefix = "cloudportal";

    public string ToXml() => new XElement(XName.Get("machine", NamespaceUri),
        new XAttribute("installation", InstallationId),
        new XAttribute("id", MachineId),
        new XAttribute("tenant", TenantId),
        new XAttribute("owner", OwnerId)).ToString(SaveOptions.DisableFormatting);

    /// <summary>Parses what libvirt gives back; null when the element is absent or not ours.</summary>
    public static PortalMetadata? TryParse(string? xml)
    {
        if (string.IsNullOrWhiteSpace(xml))
            return null;
        try
        {
            var element = XElement.Parse(xml);
            // libvirt returns the element without its namespace (it already selected by namespace); any other namespace is not ours.
            if (element.Name.LocalName != "machine" || element.Name.NamespaceName is not ("" or NamespaceUri))
                return null;
            return Guid.TryParse((string?)element.Attribute("installation"), out var installation)
                && Guid.TryParse((string?)element.Attribute("id"), out var id)
                && Guid.TryParse((string?)element.Attribute("tenant"), out var tenant)
                && Guid.TryParse((string?)element.Attribute("owner"), out var owner)
                ? new PortalMetadata(installation, id, tenant, owner)
                : null;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }
}
