using System.Globalization;
using System.Text;
using System.Xml;

namespace CloudPortal.Core.Machines;

/// <summary>What the domain XML needs beyond the machine itself.</summary>
/// <remarks><paramref name="Nic"/> is null for a machine without a network: it gets no interface at all.</remarks>
public sealed record DomainSpec(Machine Machine, string DomainType, PortalMetadata Metadata, MachineDisk? RootDisk = null, Networks.NicPlan? Nic = null)
{
    /// <summary>The machine's NoCloud seed ISO on the host, attached as a read-only CD-ROM.</summary>
    public string? SeedPath { get; init; }
}

/// <summary>A machine's root disk: a qcow2 overlay (or a raw volume) at <paramref name="Path"/> on the host.</summary>
public sealed record MachineDisk(string Path, string Format = "qcow2");

/// <summary>
/// Builds libvirt domain XML with an <see cref="XmlWriter"/>, never by concatenation, so no user string
/// can inject elements. A machine without an image is diskless: SeaBIOS runs and waits.
/// </summary>
public static class DomainXmlBuilder
{
    /// <summary>
    /// Domain names are unique per host while machine names are unique per tenant, so the name carries a piece
    /// of the machine id; it still starts with the machine's name for people reading virsh output.
    /// </summary>
    public static string DomainName(Machine machine) => $"{machine.Name}-{machine.Id.ToString("N")[..8]}";

    public static string Build(DomainSpec spec)
    {
        var machine = spec.Machine;
        var builder = new StringBuilder();
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true };
        using (var xml = XmlWriter.Create(builder, settings))
        {
            xml.WriteStartElement("domain");
            xml.WriteAttributeString("type", spec.DomainType);
            xml.WriteElementString("name", DomainName(machine));
            xml.WriteElementString("uuid", machine.DomainUuid.ToString());

            xml.WriteStartElement("metadata");
            using (var reader = XmlReader.Create(new StringReader(spec.Metadata.ToXml())))
            {
                reader.MoveToContent();
                xml.WriteNode(reader, defattr: false);
            }
            xml.WriteEndElement();

            xml.WriteStartElement("memory");
            xml.WriteAttributeString("unit", "MiB");
            xml.WriteString(machine.MemoryMiB.ToString(CultureInfo.InvariantCulture));
            xml.WriteEndElement();
            xml.WriteElementString("vcpu", machine.Vcpus.ToString(CultureInfo.InvariantCulture));

            xml.WriteStartElement("os");
            xml.WriteStartElement("type");
            xml.WriteAttributeString("arch", "x86_64");
            if (spec.DomainType != "test")
                xml.WriteAttributeString("machine", "pc");
            xml.WriteString("hvm");
            xml.WriteEndElement();
            xml.WriteStartElement("boot");
            xml.WriteAttributeString("dev", "hd");
            xml.WriteEndElement();
            xml.WriteEndElement();

            xml.WriteStartElement("features");
            xml.WriteElementString("acpi", "");
            xml.WriteEndElement();

            xml.WriteElementString("on_poweroff", "destroy");
            xml.WriteElementString("on_reboot", "restart");
            xml.WriteElementString("on_crash", "destroy");

            if (spec.DomainType != "test")
                WriteDevices(xml, spec.RootDisk, spec.Nic, spec.SeedPath);
            xml.WriteEndElement();
        }
        return builder.ToString();
    }

    private static void WriteDevices(XmlWriter xml, MachineDisk? disk, Networks.NicPlan? nic, string? seedPath)
    {
        xml.WriteStartElement("devices");
        if (disk is not null)
            // Explicit format: a probed one would let a guest that writes a qcow2 header into a raw disk read host files.
            WriteDisk(xml, "disk", disk.Format, disk.Path, "vda", "virtio");
        if (seedPath is not null)
            WriteSeed(xml, seedPath);
        if (nic is not null)
            WriteInterface(xml, nic);
        // VNC only on the host's loopback: the console proxy is the way in from outside.
        xml.WriteStartElement("graphics");
        xml.WriteAttributeString("type", "vnc");
        xml.WriteAttributeString("port", "-1");
        xml.WriteAttributeString("autoport", "yes");
        xml.WriteAttributeString("listen", "127.0.0.1");
        xml.WriteEndElement();
        xml.WriteStartElement("serial");
        xml.WriteAttributeString("type", "pty");
        xml.WriteEndElement();
        xml.WriteStartElement("console");
        xml.WriteAttributeString("type", "pty");
        xml.WriteEndElement();
        xml.WriteStartElement("memballoon");
        xml.WriteAttributeString("model", "virtio");
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    /// <summary>
    /// The seed as a read-only IDE CD-ROM (hdc): the guest images' kernels read it with ata_piix and iso9660, and
    /// cloud-init finds it by its label (cidata). Data volumes use virtio targets, so nothing competes for hdc.
    /// </summary>
    private static void WriteSeed(XmlWriter xml, string path) => WriteDisk(xml, "cdrom", "raw", path, "hdc", "ide", readOnly: true);

    /// <summary>
    /// One file-backed disk element, with its format always given; <paramref name="serial"/> names it to the guest
    /// (/dev/disk/by-id). Shared by the domain definition and the devices hot-plugged later, so both stay alike.
    /// </summary>
    public static void WriteDisk(XmlWriter xml, string device, string format, string path, string target, string bus,
        bool readOnly = false, string? serial = null)
    {
        xml.WriteStartElement("disk");
        xml.WriteAttributeString("type", "file");
        xml.WriteAttributeString("device", device);
        xml.WriteStartElement("driver");
        xml.WriteAttributeString("name", "qemu");
        xml.WriteAttributeString("type", format);
        xml.WriteEndElement();
        xml.WriteStartElement("source");
        xml.WriteAttributeString("file", path);
        xml.WriteEndElement();
        xml.WriteStartElement("target");
        xml.WriteAttributeString("dev", target);
        xml.WriteAttributeString("bus", bus);
        xml.WriteEndElement();
        if (readOnly)
            xml.WriteElementString("readonly", "");
        if (serial is not null)
            xml.WriteElementString("serial", serial);
        xml.WriteEndElement();
    }

    /// <summary>
    /// The NIC on the tenant's network, behind its security group's filter; the IP parameter is the address reserved
    /// for the MAC, so clean-traffic drops anything the guest sends from another address.
    /// </summary>
    private static void WriteInterface(XmlWriter xml, Networks.NicPlan plan)
    {
        var nic = plan.Assignment;
        xml.WriteStartElement("interface");
        xml.WriteAttributeString("type", "network");
        xml.WriteStartElement("mac");
        xml.WriteAttributeString("address", nic.Mac);
        xml.WriteEndElement();
        xml.WriteStartElement("source");
        xml.WriteAttributeString("network", Networks.NetworkNames.Network(nic.NetworkId));
        xml.WriteEndElement();
        xml.WriteStartElement("model");
        xml.WriteAttributeString("type", "virtio");
        xml.WriteEndElement();
        xml.WriteStartElement("filterref");
        xml.WriteAttributeString("filter", Networks.NetworkNames.Filter(nic.SecurityGroupId));
        xml.WriteStartElement("parameter");
        xml.WriteAttributeString("name", "IP");
        xml.WriteAttributeString("value", nic.IpAddress);
        xml.WriteEndElement();
        var network = System.Net.IPNetwork.Parse(plan.NetworkCidr);
        var pool = System.Net.IPNetwork.Parse(plan.PoolCidr);
        WriteParameter(xml, Networks.NwFilterXmlBuilder.NetParameter, network.BaseAddress.ToString());
        WriteParameter(xml, Networks.NwFilterXmlBuilder.NetPrefixParameter, network.PrefixLength.ToString(CultureInfo.InvariantCulture));
        WriteParameter(xml, Networks.NwFilterXmlBuilder.PoolParameter, pool.BaseAddress.ToString());
        WriteParameter(xml, Networks.NwFilterXmlBuilder.PoolPrefixParameter, pool.PrefixLength.ToString(CultureInfo.InvariantCulture));
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    private static void WriteParameter(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement("parameter");
        xml.WriteAttributeString("name", name);
        xml.WriteAttributeString("value", value);
        xml.WriteEndElement();
    }
}
