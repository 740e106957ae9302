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
    /// <summary>Names the portal's own snapshot of where the domain was; no user snapshot is named so.</summary>
    public const string ReturnSnapshotPrefix = "cp-clone-";

    public static T AtSnapshot<T>(Domain domain, MachineSnapshot snapshot, Func<T> copy)
    {
        if (domain.IsActive)
            throw new Common.ConflictException("The source machine must be stopped to copy its disk.");
        RestoreInterrupted(domain);
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

    /// <summary>
    /// When an earlier copy could not go back (its copy and its restore both failed, or the portal stopped in
    /// between), the stopped domain is still at the older snapshot and the portal's own snapshot holds where it
    /// really was: goes back to that one and removes it. Called before the disk is used again (a start, the next
    /// copy). True when there was something to restore.
    /// </summary>
    public static bool RestoreInterrupted(Domain domain)
    {
        if (domain.IsActive)
            return false;
        DomainSnapshot? left = null;
        foreach (var snapshot in domain.ListSnapshots())
        {
            if (left is null && snapshot.Name.StartsWith(ReturnSnapshotPrefix, StringComparison.Ordinal))
                left = snapshot;
            else
                snapshot.Dispose();
        }
        if (left is null)
            return false;
        using (left)
        {
            left.Revert();
            left.Delete();
        }
        return true;
    }

    private static string CurrentStateXml()
    {
        var text = new System.Text.StringBuilder();
        using (var xml = System.Xml.XmlWriter.Create(text, new System.Xml.XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("domainsnapshot");
            xml.WriteElementString("name", ReturnSnapshotPrefix + Guid.NewGuid().ToString("N"));
            xml.WriteElementString("description", "Taken by the portal while it copies an older snapshot; removed after.");
            xml.WriteEndElement();
        }
        return text.ToString();
    }
}
