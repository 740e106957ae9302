using System.Text;
using System.Xml;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using LibvirtSharp;

namespace CloudPortal.Core.Machines;

/// <summary>
/// Snapshots: internal qcow2 snapshots of the machine's disk, with its memory when it runs (so a revert resumes it
/// where it was). Recorded in the database after libvirt took them and removed from libvirt before the row goes.
/// </summary>
public sealed partial class MachineService
{
    public const int MaxSnapshotDescriptionLength = 500;

    public static readonly IReadOnlyList<MachineState> SnapshotAllowedFrom = [MachineState.Running, MachineState.Paused, MachineState.Stopped];
    public static readonly IReadOnlyList<MachineState> RevertAllowedFrom = [MachineState.Running, MachineState.Paused, MachineState.Stopped, MachineState.Failed];

    public async Task<IReadOnlyList<MachineSnapshot>> ListSnapshotsAsync(Caller caller, Guid machineId, CancellationToken ct)
    {
        var machine = await GetAsync(caller, machineId, ct);
        return snapshots is null ? [] : await snapshots.ListAsync(machine.Id, ct);
    }

    public async Task<MachineSnapshot> CreateSnapshotAsync(Caller caller, Guid machineId, string? name, string? description, CancellationToken ct)
    {
        var machine = await GetAsync(caller, machineId, ct);
        return await audit.RunAsync(caller, "machine.snapshot", AuditTarget, machine.Id.ToString(), machine.Name, async () =>
        {
            EnsureMayChange(caller);
            var store = snapshots ?? throw new ConflictException("Snapshots are not available in this portal.");
            var errors = new ValidationErrors();
            MachineRequestRules.ValidateName(name, errors);
            if (description is { Length: > MaxSnapshotDescriptionLength } || (description?.Any(c => char.IsControl(c) && c != '\n') ?? false))
                errors.Add("description", $"description must be at most {MaxSnapshotDescriptionLength} characters without control characters.");
            errors.ThrowIfAny();
            using var claim = _claims.Claim(machine.Id, machine.Name, "snapshot");
            var current = await GetAsync(caller, machineId, ct);
            MachineActions.EnsureAllowed("snapshot", SnapshotAllowedFrom, current);
            var snapshot = new MachineSnapshot
            {
                Id = Guid.NewGuid(), MachineId = current.Id, TenantId = current.TenantId, Name = name!,
                Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim(), LibvirtName = "", CreatedAt = Clock.Now(),
            };
            snapshot = snapshot with { LibvirtName = "cp-" + snapshot.Id.ToString("N"), HasMemory = current.State != MachineState.Stopped };
            // The row first (it checks the quota and the name), then libvirt; a refusal there takes the row back.
            await store.InsertAsync(snapshot, ct);
            try
            {
                await connections.RunAsync(current.HostId, connection =>
                {
                    using var domain = connection.LookupDomainByUuid(current.DomainUuid)
                        ?? throw new ConflictException($"Machine '{current.Name}' has no domain on its host.");
                    if (!DomainXmlBuilderDisks.HasWritableDisk(domain.GetXmlDescription(inactive: true)))
                        throw new ConflictException($"Machine '{current.Name}' has no disk to snapshot (it was created without an image).");
                    domain.CreateSnapshot(SnapshotXml(snapshot)).Dispose();
                }, ct);
            }
            catch (Exception ex)
            {
                await store.DeleteAsync(snapshot.Id, CancellationToken.None);
                throw ex is LibvirtException lex ? new ConflictException($"Snapshot of '{current.Name}' failed on the host: {lex.LibvirtMessage}") : ex;
            }
            return snapshot;
        }, s => $"snapshot {s.Id} '{s.Name}'{(s.HasMemory ? " with memory" : "")}", ct);
    }

    /// <summary>Returns the machine to the snapshot: running again if memory was saved, else stopped with the old disk.</summary>
    public async Task<Machine> RevertSnapshotAsync(Caller caller, Guid machineId, Guid snapshotId, CancellationToken ct)
    {
        var machine = await GetAsync(caller, machineId, ct);
        return await audit.RunAsync(caller, "machine.snapshot-revert", AuditTarget, machine.Id.ToString(), machine.Name, async () =>
        {
            EnsureMayChange(caller);
            var snapshot = await FindSnapshotAsync(machine, snapshotId, ct);
            using var claim = _claims.Claim(machine.Id, machine.Name, "revert");
            var current = await GetAsync(caller, machineId, ct);
            MachineActions.EnsureAllowed("revert", RevertAllowedFrom, current);
            DomainObservation observed;
            try
            {
                observed = await connections.RunAsync(current.HostId, connection =>
                {
                    using var domain = connection.LookupDomainByUuid(current.DomainUuid)
                        ?? throw new ConflictException($"Machine '{current.Name}' has no domain on its host.");
                    using var libvirtSnapshot = domain.LookupSnapshot(snapshot.LibvirtName)
                        ?? throw new ConflictException($"Snapshot '{snapshot.Name}' is missing from the machine's host.");
                    libvirtSnapshot.Revert();
                    return DomainObservation.Of(domain);
                }, ct);
            }
            catch (LibvirtException ex)
            {
                throw new ConflictException($"Revert of '{current.Name}' to '{snapshot.Name}' failed on the host: {ex.LibvirtMessage}");
            }
            return await SetStateAsync(current, observed.State, null, ct) ?? current with { State = observed.State };
        }, m => $"to snapshot {snapshotId}, now {m.State.ToContractName()}", ct);
    }

    public async Task DeleteSnapshotAsync(Caller caller, Guid machineId, Guid snapshotId, CancellationToken ct)
    {
        var machine = await GetAsync(caller, machineId, ct);
        await audit.RunAsync(caller, "machine.snapshot-delete", AuditTarget, machine.Id.ToString(), machine.Name, async () =>
        {
            EnsureMayChange(caller);
            var snapshot = await FindSnapshotAsync(machine, snapshotId, ct);
            using var claim = _claims.Claim(machine.Id, machine.Name, "delete a snapshot of");
            try
            {
                await connections.RunAsync(machine.HostId, connection =>
                {
                    using var domain = connection.LookupDomainByUuid(machine.DomainUuid);
                    using var libvirtSnapshot = domain?.LookupSnapshot(snapshot.LibvirtName);
                    // Already gone from the host (the domain was redefined outside the portal): only the record is left.
                    libvirtSnapshot?.Delete();
                }, ct);
            }
            catch (LibvirtException ex)
            {
                throw new ConflictException($"Deleting snapshot '{snapshot.Name}' failed on the host: {ex.LibvirtMessage}");
            }
            await snapshots!.DeleteAsync(snapshot.Id, ct);
        }, ct);
    }

    private async Task<MachineSnapshot> FindSnapshotAsync(Machine machine, Guid snapshotId, CancellationToken ct) =>
        (snapshots is null ? null : await snapshots.GetAsync(machine.Id, snapshotId, ct))
        ?? throw new NotFoundException($"Snapshot {snapshotId} of machine '{machine.Name}' was not found.");

    /// <summary>The snapshot's XML through an XmlWriter: the description is the user's text.</summary>
    private static string SnapshotXml(MachineSnapshot snapshot)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            xml.WriteStartElement("domainsnapshot");
            xml.WriteElementString("name", snapshot.LibvirtName);
            if (snapshot.Description is not null)
                xml.WriteElementString("description", snapshot.Description);
            xml.WriteEndElement();
        }
        return text.ToString();
    }
}

/// <summary>What a domain definition says about its disks, for the actions that need one.</summary>
public static class DomainXmlBuilderDisks
{
    /// <summary>Whether the definition has a writable disk (not a CD-ROM): the thing a snapshot or a capture saves.</summary>
    public static bool HasWritableDisk(string domainXml) =>
        System.Xml.Linq.XDocument.Parse(domainXml).Descendants("disk")
            .Any(d => (string?)d.Attribute("device") is null or "disk" && d.Element("readonly") is null);
}
