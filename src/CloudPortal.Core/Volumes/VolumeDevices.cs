using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace CloudPortal.Core.Volumes;

/// <summary>The disk device a data volume is in a domain, and which virtio target it gets.</summary>
public static class VolumeDevices
{
    /// <summary>vda is the root disk; data volumes take vdb onwards.</summary>
    public const int MaxDataVolumes = 24;

    /// <summary>The disk element, written with an XmlWriter so that no path or id can add markup.</summary>
    public static string DiskXml(string path, string target, Guid volumeId)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
            // qcow2 explicitly; the serial lets the guest find its volume by id: /dev/disk/by-id/virtio-<serial>.
            Machines.DomainXmlBuilder.WriteDisk(xml, "disk", "qcow2", path, target, "virtio", serial: volumeId.ToString("N")[..20]);
        return text.ToString();
    }

    /// <summary>The targets of every disk in these domain definitions (live and persistent may differ).</summary>
    public static HashSet<string> UsedTargets(params string?[] domainXmls)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var xml in domainXmls)
        {
            if (xml is null)
                continue;
            foreach (var target in XDocument.Parse(xml).Descendants("disk").Select(d => d.Element("target")?.Attribute("dev")?.Value))
            {
                if (target is not null)
                    used.Add(target);
            }
        }
        return used;
    }

    /// <summary>The first free virtio target from vdb, or null when the machine has every one in use.</summary>
    public static string? FreeTarget(IReadOnlySet<string> used)
    {
        for (var i = 1; i <= MaxDataVolumes; i++)
        {
            var target = "vd" + (char)('a' + i);
            if (!used.Contains(target))
                return target;
        }
        return null;
    }

    /// <summary>Whether a domain definition still has a disk at this target with this source.</summary>
    public static bool HasDisk(string domainXml, string target, string path) =>
        XDocument.Parse(domainXml).Descendants("disk").Any(d =>
            d.Element("target")?.Attribute("dev")?.Value == target && d.Element("source")?.Attribute("file")?.Value == path);
}
