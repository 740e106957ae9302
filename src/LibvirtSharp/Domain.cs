using static LibvirtSharp.LibvirtCalls;
using System.Runtime.InteropServices;
using LibvirtSharp.Native;

namespace LibvirtSharp;

/// <summary>A libvirt domain (guest). Owns its own reference; dispose it when done.</summary>
public sealed class Domain : IDisposable
{
    private const int MetadataElement = 2;
    private const int ErrNoDomainMetadata = 80;
    private const uint XmlSecure = 1;
    private const uint XmlInactive = 2;

    private readonly DomainHandle _handle;

    internal unsafe Domain(DomainHandle handle)
    {
        _handle = handle;
        try
        {
            // Name and UUID are immutable for a domain object, so read them once instead of per access.
            byte* name = Interop.virDomainGetName(handle);
            if (name == null)
                throw LibvirtException.FromLastError("virDomainGetName");
            Name = Marshal.PtrToStringUTF8((nint)name)!;
            Uuid = ReadUuid(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The domain name.</summary>
    public string Name { get; }

    /// <summary>The domain UUID.</summary>
    public Guid Uuid { get; }

    /// <summary>Starts the defined domain (<c>virDomainCreate</c>).</summary>
    public void Create() => Check(Interop.virDomainCreate(Handle), "virDomainCreate");

    /// <summary>Asks the guest to shut down (ACPI); returns before the guest is off.</summary>
    public void Shutdown() => Check(Interop.virDomainShutdown(Handle), "virDomainShutdown");

    /// <summary>Forcefully stops the domain.</summary>
    public void Destroy() => Check(Interop.virDomainDestroy(Handle), "virDomainDestroy");

    /// <summary>Pauses the domain's vCPUs.</summary>
    public void Suspend() => Check(Interop.virDomainSuspend(Handle), "virDomainSuspend");

    /// <summary>Resumes a paused domain.</summary>
    public void Resume() => Check(Interop.virDomainResume(Handle), "virDomainResume");

    /// <summary>Asks the guest to reboot.</summary>
    public void Reboot() => Check(Interop.virDomainReboot(Handle, 0), "virDomainReboot");

    /// <summary>Resets the domain at once, like pressing the reset button: no guest cooperation, no clean shutdown.</summary>
    public void Reset() => Check(Interop.virDomainReset(Handle, 0), "virDomainReset");

    /// <summary>
    /// Renames an inactive domain (<c>virDomainRename</c>); libvirt refuses it for a running one. This object's
    /// <see cref="Name"/> keeps the old name: look the domain up again to read the new one.
    /// </summary>
    public void Rename(string newName)
    {
        ArgumentNullException.ThrowIfNull(newName);
        Check(Interop.virDomainRename(Handle, newName, 0), "virDomainRename");
    }

    /// <summary>Saves the domain state to a libvirt-managed image and stops it; the next <see cref="Create"/> restores it.</summary>
    public void ManagedSave() => Check(Interop.virDomainManagedSave(Handle, 0), "virDomainManagedSave");

    /// <summary>Whether a managed save image exists.</summary>
    public bool HasManagedSaveImage => CheckBool(Interop.virDomainHasManagedSaveImage(Handle, 0), "virDomainHasManagedSaveImage");

    /// <summary>Whether the domain is running (or paused).</summary>
    public bool IsActive => CheckBool(Interop.virDomainIsActive(Handle), "virDomainIsActive");

    /// <summary>Whether the domain has a persistent definition.</summary>
    public bool IsPersistent => CheckBool(Interop.virDomainIsPersistent(Handle), "virDomainIsPersistent");

    /// <summary>Removes the persistent definition (<c>virDomainUndefineFlags</c>).</summary>
    public void Undefine(DomainUndefineFlags flags) =>
        Check(Interop.virDomainUndefineFlags(Handle, (uint)flags), "virDomainUndefineFlags");

    /// <summary>Current state and reason.</summary>
    public DomainStateInfo GetState()
    {
        Check(Interop.virDomainGetState(Handle, out int state, out int reason, 0), "virDomainGetState");
        return new DomainStateInfo((DomainState)state, reason);
    }

    /// <summary>State, memory, vCPU count and CPU time.</summary>
    public unsafe DomainInfo GetInfo()
    {
        VirDomainInfo info;
        Check(Interop.virDomainGetInfo(Handle, &info), "virDomainGetInfo");
        return new DomainInfo((DomainState)info.State, info.MaxMem.Value, info.Memory.Value, info.NrVirtCpu, info.CpuTime);
    }

    /// <summary>The domain XML; <paramref name="secure"/> includes secrets such as VNC passwords.</summary>
    public string GetXmlDescription(bool inactive = false, bool secure = false)
    {
        uint flags = (inactive ? XmlInactive : 0) | (secure ? XmlSecure : 0);
        return Interop.virDomainGetXMLDesc(Handle, flags) ?? throw LibvirtException.FromLastError("virDomainGetXMLDesc");
    }

    /// <summary>The custom metadata element in <paramref name="namespaceUri"/>, or null when there is none.</summary>
    public string? GetMetadataElement(string namespaceUri, MetadataImpact impact = MetadataImpact.Current)
    {
        ArgumentNullException.ThrowIfNull(namespaceUri);
        string? xml = Interop.virDomainGetMetadata(Handle, MetadataElement, namespaceUri, (uint)impact);
        if (xml is not null)
            return xml;

        var ex = LibvirtException.FromLastError("virDomainGetMetadata");
        if (ex.Code == ErrNoDomainMetadata)
            return null;
        throw ex;
    }

    /// <summary>Sets (or, with null <paramref name="elementXml"/>, removes) the metadata element in <paramref name="namespaceUri"/>.</summary>
    public void SetMetadataElement(string? elementXml, string prefix, string namespaceUri, MetadataImpact impact)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(namespaceUri);
        Check(Interop.virDomainSetMetadata(Handle, MetadataElement, elementXml, prefix, namespaceUri, (uint)impact), "virDomainSetMetadata");
    }

    /// <summary>
    /// Connects <paramref name="stream"/> to the guest's text console (<c>virDomainOpenConsole</c>); null
    /// <paramref name="device"/> is the first console or serial port. With <paramref name="force"/> another
    /// session on the same console is cut off instead of this call failing.
    /// </summary>
    public void OpenConsole(Stream stream, string? device = null, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        const uint ConsoleForce = 1, ConsoleSafe = 2;
        // SAFE asks for a console that libvirt can hand over cleanly; it is refused only by drivers we do not use.
        Check(Interop.virDomainOpenConsole(Handle, device, stream.Handle, (force ? ConsoleForce : 0) | ConsoleSafe), "virDomainOpenConsole");
    }

    /// <summary>Adds a device (<c>virDomainAttachDeviceFlags</c>), to the running guest and/or its definition.</summary>
    public void AttachDevice(string deviceXml, DeviceImpact impact)
    {
        ArgumentNullException.ThrowIfNull(deviceXml);
        Check(Interop.virDomainAttachDeviceFlags(Handle, deviceXml, (uint)impact), "virDomainAttachDeviceFlags");
    }

    /// <summary>Removes the device matching <paramref name="deviceXml"/> (<c>virDomainDetachDeviceFlags</c>).</summary>
    public void DetachDevice(string deviceXml, DeviceImpact impact)
    {
        ArgumentNullException.ThrowIfNull(deviceXml);
        Check(Interop.virDomainDetachDeviceFlags(Handle, deviceXml, (uint)impact), "virDomainDetachDeviceFlags");
    }

    /// <summary>
    /// Grows a disk of the running guest to <paramref name="sizeBytes"/> (<c>virDomainBlockResize</c> with BYTES), so
    /// that the guest sees the new capacity at once; <paramref name="disk"/> is its target ("vdb") or path.
    /// </summary>
    public void BlockResize(string disk, ulong sizeBytes)
    {
        ArgumentNullException.ThrowIfNull(disk);
        const uint Bytes = 1;
        Check(Interop.virDomainBlockResize(Handle, disk, sizeBytes, Bytes), "virDomainBlockResize");
    }

    /// <summary>
    /// Takes a snapshot from snapshot XML (<c>virDomainSnapshotCreateXML</c>): of a running domain, its disks and
    /// memory; of a stopped one, its disks. Internal snapshots live in the qcow2 disks themselves.
    /// </summary>
    public DomainSnapshot CreateSnapshot(string snapshotXml)
    {
        ArgumentNullException.ThrowIfNull(snapshotXml);
        return DomainSnapshot.Wrap(Interop.virDomainSnapshotCreateXML(Handle, snapshotXml, 0), "virDomainSnapshotCreateXML")!;
    }

    /// <summary>The snapshot of this name, or null when the domain has none by that name.</summary>
    public DomainSnapshot? LookupSnapshot(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return DomainSnapshot.Wrap(Interop.virDomainSnapshotLookupByName(Handle, name, 0), "virDomainSnapshotLookupByName", nullWhenMissing: true);
    }

    /// <summary>Every snapshot of the domain (<c>virDomainListAllSnapshots</c>); dispose each.</summary>
    public unsafe IReadOnlyList<DomainSnapshot> ListSnapshots()
    {
        int count = Interop.virDomainListAllSnapshots(Handle, out nint* array, 0);
        if (count < 0)
            throw LibvirtException.FromLastError("virDomainListAllSnapshots");
        var result = new List<DomainSnapshot>(count);
        int taken = 0;
        try
        {
            for (; taken < count; taken++)
            {
                var handle = new DomainSnapshotHandle(array[taken]);
                array[taken] = 0;
                result.Add(new DomainSnapshot(handle));
            }
            return result;
        }
        catch
        {
            foreach (var snapshot in result)
                snapshot.Dispose();
            for (int i = taken; i < count; i++)
                if (array[i] != 0)
                    Interop.virDomainSnapshotFree(array[i]);
            throw;
        }
        finally
        {
            Interop.Free(array);
        }
    }

    /// <summary>Changes a device in place (<c>virDomainUpdateDeviceFlags</c>), e.g. a NIC's link state or filter.</summary>
    public void UpdateDevice(string deviceXml, DeviceImpact impact)
    {
        ArgumentNullException.ThrowIfNull(deviceXml);
        Check(Interop.virDomainUpdateDeviceFlags(Handle, deviceXml, (uint)impact), "virDomainUpdateDeviceFlags");
    }

    /// <summary>Releases the domain reference; does not affect the guest. Safe to call twice.</summary>
    public void Dispose() => _handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Uuid})";

    internal static unsafe Guid ReadUuid(nint rawDomain)
    {
        byte* buf = stackalloc byte[37]; // VIR_UUID_STRING_BUFLEN
        if (Interop.virDomainGetUUIDStringRaw(rawDomain, buf) < 0)
            throw LibvirtException.FromLastError("virDomainGetUUIDString");
        return Guid.Parse(System.Text.Encoding.ASCII.GetString(buf, 36));
    }

    private static unsafe Guid ReadUuid(DomainHandle handle)
    {
        byte* buf = stackalloc byte[37]; // VIR_UUID_STRING_BUFLEN
        if (Interop.virDomainGetUUIDString(handle, buf) < 0)
            throw LibvirtException.FromLastError("virDomainGetUUIDString");
        return Guid.Parse(System.Text.Encoding.ASCII.GetString(buf, 36));
    }

    private DomainHandle Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
            return _handle;
        }
    }
}
