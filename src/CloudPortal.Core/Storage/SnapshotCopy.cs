using CloudPortal.Core.Machines;
using LibvirtSharp;

namespace CloudPortal.Core.Storage;

/// <summary>
/// A copy of a stopped domain's disk as one of its internal snapshots left it. libvirt copies only a volume's current
/// state, so the domain is reverted to the snapshot for the copy and then back to where it was, through a snapshot
/// of its own taken first. The caller holds the domain's machine against every other action meanwhile.
/// </summary>
public static class SnapshotCopy
{
    public static T AtSnapshot<T>(Domain domain, MachineSnapshot snapshot, Func<T> copy)
    {
        if (domain.IsActive)
            throw new Common.ConflictException("The source machine must be stopped to copy its disk.");
        using var wanted = domain.LookupSnapshot(snapshot.LibvirtName)
            ?? throw new Common.ConflictException($"Snapshot '{snapshot.Name}' is missing from the machine's host.");
        using var now = domain.CreateSnapshot(CurrentStateXml());
        try
        {
            // A snapshot with memory is resumed by its revert: paused, so nothing runs; its disk is the snapshot's
            // once QEMU loaded it, and stays so when QEMU goes.
            wanted.Revert(snapshot.HasMemory ? SnapshotRevertFlags.Paused : SnapshotRevertFlags.None);
            if (domain.IsActive)
                domain.Destroy();
            return copy();
        }
        finally
        {
            if (domain.IsActive)
                domain.Destroy();
            now.Revert();
            now.Delete();
        }
    }

    private static string CurrentStateXml()
    {
        var text = new System.Text.StringBuilder();
        using (var xml = System.Xml.XmlWriter.Create(text, new System.Xml.XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("domainsnapshot");
            xml.WriteElementString("name", "cp-clone-" + Guid.NewGuid().ToString("N"));
            xml.WriteElementString("description", "Taken by the portal while it copies an older snapshot; removed after.");
            xml.WriteEndElement();
        }
        return text.ToString();
    }
}
