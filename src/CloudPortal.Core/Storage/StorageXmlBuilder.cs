using System.Globalization;
using System.Text;
using System.Xml;
using CloudPortal.Core.Images;

namespace CloudPortal.Core.Storage;

/// <summary>A volume to create: a qcow2 overlay when <see cref="BackingPath"/> is set, else an empty volume.</summary>
/// <param name="Qcow2Version3">Asks for qcow2 v3 (compat 1.1), what <c>qemu-img</c> makes by default; libvirt otherwise writes v2 (compat 0.10).</param>
public sealed record VolumeSpec(string Name, ImageFormat Format, long CapacityBytes, string? BackingPath = null, ImageFormat BackingFormat = ImageFormat.Qcow2,
    bool Qcow2Version3 = false);

/// <summary>Pool and volume XML through an <see cref="XmlWriter"/>, so no input can add elements.</summary>
public static class StorageXmlBuilder
{
    public static string Pool(PoolDefinition pool)
    {
        return Write(xml =>
        {
            xml.WriteStartElement("pool");
            xml.WriteAttributeString("type", pool.Type);
            xml.WriteElementString("name", pool.Name);
            if (pool.Type != PoolTypes.Dir)
            {
                xml.WriteStartElement("source");
                switch (pool.Type)
                {
                    case PoolTypes.Fs:
                        WriteEmpty(xml, "device", "path", pool.SourceDevice!);
                        break;
                    case PoolTypes.NetFs:
                        WriteEmpty(xml, "host", "name", pool.SourceHost!);
                        WriteEmpty(xml, "dir", "path", pool.SourcePath!);
                        xml.WriteStartElement("format");
                        xml.WriteAttributeString("type", "nfs");
                        xml.WriteEndElement();
                        break;
                    case PoolTypes.Logical:
                        if (pool.SourceDevice is not null)
                            WriteEmpty(xml, "device", "path", pool.SourceDevice);
                        xml.WriteElementString("name", pool.SourceName);
                        xml.WriteStartElement("format");
                        xml.WriteAttributeString("type", "lvm2");
                        xml.WriteEndElement();
                        break;
                }
                xml.WriteEndElement();
            }
            // A logical pool's target defaults to /dev/<vg>; the others need the mount point or directory.
            string? target = pool.TargetPath ?? (pool.Type == PoolTypes.Logical ? "/dev/" + pool.SourceName : null);
            xml.WriteStartElement("target");
            xml.WriteElementString("path", target);
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
    }

    public static string Volume(VolumeSpec volume)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(volume.CapacityBytes);
        return Write(xml =>
        {
            xml.WriteStartElement("volume");
            xml.WriteElementString("name", volume.Name);
            xml.WriteStartElement("capacity");
            xml.WriteAttributeString("unit", "bytes");
            xml.WriteString(volume.CapacityBytes.ToString(CultureInfo.InvariantCulture));
            xml.WriteEndElement();
            xml.WriteStartElement("target");
            WriteFormat(xml, volume.Format);
            if (volume.Qcow2Version3)
            {
                if (volume.Format != ImageFormat.Qcow2)
                    throw new ArgumentException("Only a qcow2 volume has a qcow2 version.", nameof(volume));
                xml.WriteElementString("compat", "1.1");
            }
            xml.WriteEndElement();
            if (volume.BackingPath is { } backing)
            {
                if (volume.Format != ImageFormat.Qcow2)
                    throw new ArgumentException("Only a qcow2 volume can have a backing store.", nameof(volume));
                xml.WriteStartElement("backingStore");
                xml.WriteElementString("path", backing);
                // Explicit: a backing format that is probed lets a guest that writes a qcow2 header into a raw
                // base read host files through it.
                WriteFormat(xml, volume.BackingFormat);
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        });
    }

    public static string FormatName(ImageFormat format) => format switch
    {
        ImageFormat.Qcow2 => "qcow2",
        ImageFormat.Raw => "raw",
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    private static void WriteFormat(XmlWriter xml, ImageFormat format)
    {
        xml.WriteStartElement("format");
        xml.WriteAttributeString("type", FormatName(format));
        xml.WriteEndElement();
    }

    private static void WriteEmpty(XmlWriter xml, string element, string attribute, string value)
    {
        xml.WriteStartElement(element);
        xml.WriteAttributeString(attribute, value);
        xml.WriteEndElement();
    }

    private static string Write(Action<XmlWriter> body)
    {
        var builder = new StringBuilder();
        using (var xml = XmlWriter.Create(builder, new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true }))
            body(xml);
        return builder.ToString();
    }
}
