using System.Globalization;
using System.Xml.Linq;

namespace CloudPortal.Core.Machines;

/// <summary>
/// Changes vCPUs and memory in a domain's own (inactive) XML, leaving every other element as libvirt has it: disks,
/// NICs and devices added by other features survive a resize, which rebuilding the XML from the database would lose.
/// </summary>
public static class DomainXmlResizer
{
    public static string Resize(string domainXml, int vcpus, int memoryMiB)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vcpus, MachineRequestRules.MinVcpus);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vcpus, MachineRequestRules.MaxVcpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryMiB, MachineRequestRules.MinMemoryMiB);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(memoryMiB, MachineRequestRules.MaxMemoryMiB);
        var document = XDocument.Parse(domainXml);
        var domain = document.Root ?? throw new FormatException("The domain XML has no root element.");
        SetElement(domain, "memory", memoryMiB.ToString(CultureInfo.InvariantCulture), unit: "MiB");
        // currentMemory above memory is refused; the balloon starts at the full size, as at create.
        SetElement(domain, "currentMemory", memoryMiB.ToString(CultureInfo.InvariantCulture), unit: "MiB");
        // The old maximum goes with a 'current' attribute or vcpus list: libvirt keeps them consistent only if dropped.
        var vcpu = SetElement(domain, "vcpu", vcpus.ToString(CultureInfo.InvariantCulture), unit: null);
        vcpu.Attribute("current")?.Remove();
        domain.Element("vcpus")?.Remove();
        // A maximum for memory hotplug would have to stay above the new size; diskless portal machines never set one.
        domain.Element("maxMemory")?.Remove();
        return document.ToString(SaveOptions.DisableFormatting);
    }

    private static XElement SetElement(XElement domain, string name, string value, string? unit)
    {
        var element = domain.Element(name);
        if (element is null)
        {
            element = new XElement(name);
            // Keep libvirt's order readable: after <memory> when possible.
            (domain.Element("memory") ?? domain.Element("uuid") ?? domain.Element("name"))?.AddAfterSelf(element);
            if (element.Parent is null)
                domain.Add(element);
        }
        element.Value = value;
        if (unit is not null)
            element.SetAttributeValue("unit", unit);
        return element;
    }
}
