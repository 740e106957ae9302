using System.Collections.Concurrent;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Storage;
using LibvirtSharp;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Volumes;

/// <summary>
/// Tenants' data volumes: created in a host's portal pool within quota, attached to a machine on the same host
/// (hot-plugged when it runs), detached, grown and deleted. Another tenant's volume is reported as missing.
/// Each change is recorded in the database before libvirt is asked and undone when libvirt refuses, so a failure
/// leaves neither a volume nor a charge behind.
/// </summary>
public sealed class VolumeService(IVolumeStore volumes, MachineService machines, IMachineStore machineStore, IHostStore hosts,
    HostConnections connections, MachineDisks disks, VolumeRemoval removal, IAuditLog audit, VolumeEvents events, ILogger<VolumeService> log)
{
    public const int MaxSizeGiB = 64 * 1024;
    private const long GiB = 1L << 30;
    private const string AuditTarget = "volume";

    private static readonly MachineState[] AttachableStates = [MachineState.Running, MachineState.Paused, MachineState.Stopped];

    // Attaching two volumes to one machine at once must not pick the same target.
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _machineLocks = new();

    public async Task<Volume> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var volume = await volumes.GetAsync(id, ct);
        if (volume is null || (volume.TenantId != caller.TenantId && !caller.IsAdmin))
            throw new NotFoundException($"Volume {id} was not found.");
        return await SettleDetachingAsync(volume, ct);
    }

    public async Task<Page<Volume>> ListAsync(Caller caller, PageRequest page, CancellationToken ct)
    {
        var listed = await volumes.ListAsync(caller.IsAdmin ? null : caller.TenantId, page, ct);
        var settled = new List<Volume>(listed.Items.Count);
        foreach (var volume in listed.Items)
            settled.Add(await SettleDetachingAsync(volume, ct));
        return listed with { Items = settled };
    }

    public async Task<IReadOnlyList<Volume>> ListForMachineAsync(Caller caller, Guid machineId, CancellationToken ct)
    {
        await machines.GetAsync(caller, machineId, ct);
        var attached = await volumes.ListByMachineAsync(machineId, ct);
        var settled = new List<Volume>(attached.Count);
        foreach (var volume in attached)
            settled.Add(await SettleDetachingAsync(volume, ct));
        return settled.Where(v => v.MachineId == machineId).ToList();
    }

    public Task<Volume> CreateAsync(Caller caller, string? name, int? sizeGiB, Guid? hostId, CancellationToken ct) =>
        audit.RunAsync(caller, "volume.create", AuditTarget, null, name, async () =>
        {
            EnsureMayChange(caller);
            var errors = new ValidationErrors();
            MachineRequestRules.ValidateName(name, errors);
            if (sizeGiB is null)
                errors.Add("sizeGiB", "sizeGiB is required.");
            else if (sizeGiB is < 1 or > MaxSizeGiB)
                errors.Add("sizeGiB", $"sizeGiB must be between 1 and {MaxSizeGiB}.");
            errors.ThrowIfAny();
            var host = await ChooseHostAsync(hostId, ct);
            var now = Clock.Now();
            var volume = new Volume
            {
                Id = Guid.NewGuid(), TenantId = caller.TenantId, Name = name!, HostId = host, SizeGiB = sizeGiB!.Value,
                State = VolumeStates.Creating, CreatedAt = now, UpdatedAt = now,
            };
            await volumes.InsertAsync(volume, ct);
            try
            {
                await disks.CreateDataVolumeAsync(host, volume.VolumeName, volume.SizeGiB * GiB, ct);
            }
            catch (Exception ex)
            {
                await volumes.DeleteAsync(volume.Id, CancellationToken.None);
                throw HostFailure($"Creating volume '{volume.Name}'", ex);
            }
            await volumes.TransitionAsync(volume.Id, VolumeStates.Creating, VolumeStates.Available, null, null, ct);
            var created = volume with { State = VolumeStates.Available };
            events.Publish(created);
            return created;
        }, v => $"id {v.Id}, {v.SizeGiB} GiB on host {v.HostId}", ct);

    public async Task<Volume> AttachAsync(Caller caller, Guid id, Guid machineId, CancellationToken ct)
    {
        var volume = await GetAsync(caller, id, ct);
        return await audit.RunAsync(caller, "volume.attach", AuditTarget, id.ToString(), volume.Name, async () =>
        {
            EnsureMayChange(caller);
            var machine = await machines.GetAsync(caller, machineId, ct);
            if (machine.TenantId != volume.TenantId)
                throw new NotFoundException($"Machine {machineId} was not found.");
            if (machine.HostId != volume.HostId)
                throw new ConflictException($"Volume '{volume.Name}' is on another host than machine '{machine.Name}'; a volume attaches only to machines on its own host.");
            if (!AttachableStates.Contains(machine.State))
                throw new ConflictException($"Cannot attach a volume to machine '{machine.Name}': it is {machine.State.ToContractName()} (allowed when running, paused or stopped).");
            var gate = _machineLocks.GetOrAdd(machine.Id, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(ct);
            try
            {
                if (!await volumes.TransitionAsync(volume.Id, VolumeStates.Available, VolumeStates.Attached, machine.Id, null, ct))
                    throw new ConflictException(await BusyReasonAsync(volume.Id, ct));
                try
                {
                    var path = await disks.VolumePathAsync(volume.HostId, volume.VolumeName, ct)
                        ?? throw new ConflictException($"Volume '{volume.Name}' is missing from its host's pool.");
                    var target = await connections.RunAsync(volume.HostId, connection => Plug(connection, machine, volume, path), ct);
                    await volumes.TransitionAsync(volume.Id, VolumeStates.Attached, VolumeStates.Attached, machine.Id, target, ct);
                    var attached = volume with { State = VolumeStates.Attached, MachineId = machine.Id, Target = target };
                    events.Publish(attached);
                    return attached;
                }
                catch (Exception ex)
                {
                    await volumes.TransitionAsync(volume.Id, VolumeStates.Attached, VolumeStates.Available, null, null, CancellationToken.None);
                    throw HostFailure($"Attaching volume '{volume.Name}' to machine '{machine.Name}'", ex);
                }
            }
            finally
            {
                gate.Release();
            }
        }, v => $"to machine {v.MachineId} as {v.Target}", ct);
    }

    private static string Plug(Connection connection, Machine machine, Volume volume, string path)
    {
        using var domain = connection.LookupDomainByUuid(machine.DomainUuid)
            ?? throw new ConflictException($"Machine '{machine.Name}' has no domain on its host.");
        bool active = domain.IsActive;
        var used = VolumeDevices.UsedTargets(domain.GetXmlDescription(inactive: true), active ? domain.GetXmlDescription() : null);
        var target = VolumeDevices.FreeTarget(used)
            ?? throw new ConflictException($"Machine '{machine.Name}' already has {VolumeDevices.MaxDataVolumes} data volumes.");
        // Live and persistent together: a hot-plugged disk is still there after the next power cycle.
        domain.AttachDevice(VolumeDevices.DiskXml(path, target, volume.Id), active ? DeviceImpact.Live | DeviceImpact.Config : DeviceImpact.Config);
        return target;
    }

    public async Task<Volume> DetachAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var volume = await GetAsync(caller, id, ct);
        return await audit.RunAsync(caller, "volume.detach", AuditTarget, id.ToString(), volume.Name, async () =>
        {
            EnsureMayChange(caller);
            if (volume.State != VolumeStates.Attached || volume.MachineId is not { } machineId)
                throw new ConflictException($"Volume '{volume.Name}' is {volume.State}, not attached.");
            var machine = await machineStore.GetAsync(machineId, ct);
            var gate = _machineLocks.GetOrAdd(machineId, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(ct);
            try
            {
                var path = await disks.VolumePathAsync(volume.HostId, volume.VolumeName, ct);
                bool released = machine is null || path is null || volume.Target is null
                    || await connections.RunAsync(volume.HostId, connection => Unplug(connection, machine, volume.Target, path), ct);
                var state = released ? VolumeStates.Available : VolumeStates.Detaching;
                if (!await volumes.TransitionAsync(volume.Id, VolumeStates.Attached, state, released ? null : machineId, released ? null : volume.Target, ct))
                    throw new ConflictException(await BusyReasonAsync(volume.Id, ct));
                var detached = volume with { State = state, MachineId = released ? null : machineId, Target = released ? null : volume.Target };
                events.Publish(detached, machineId);
                return detached;
            }
            catch (LibvirtException ex)
            {
                throw HostFailure($"Detaching volume '{volume.Name}'", ex);
            }
            finally
            {
                gate.Release();
            }
        }, v => v.State == VolumeStates.Detaching ? "requested; the running guest has not released it yet" : "detached", ct);
    }

    /// <summary>
    /// Removes the disk from the definition and asks the running guest to let go of it. A guest without an OS (or
    /// one that ignores the request) keeps the device until it powers off: false then, and the volume is detaching.
    /// </summary>
    private static bool Unplug(Connection connection, Machine machine, string target, string path)
    {
        using var domain = connection.LookupDomainByUuid(machine.DomainUuid);
        if (domain is null)
            return true;
        bool active = domain.IsActive;
        var xml = VolumeDevices.DiskXml(path, target, Guid.Empty);
        if (VolumeDevices.HasDisk(domain.GetXmlDescription(inactive: true), target, path))
            domain.DetachDevice(xml, DeviceImpact.Config);
        if (active && VolumeDevices.HasDisk(domain.GetXmlDescription(), target, path))
        {
            domain.DetachDevice(xml, DeviceImpact.Live);
            return !VolumeDevices.HasDisk(domain.GetXmlDescription(), target, path);
        }
        return true;
    }

    /// <summary>A detaching volume becomes available once its guest let go of it or stopped.</summary>
    private async Task<Volume> SettleDetachingAsync(Volume volume, CancellationToken ct)
    {
        if (volume.State != VolumeStates.Detaching || volume.MachineId is not { } machineId || volume.Target is not { } target)
            return volume;
        try
        {
            var machine = await machineStore.GetAsync(machineId, ct);
            var path = await disks.VolumePathAsync(volume.HostId, volume.VolumeName, ct);
            bool stillThere = machine is not null && path is not null && await connections.RunAsync(volume.HostId, connection =>
            {
                using var domain = connection.LookupDomainByUuid(machine.DomainUuid);
                return domain is not null && domain.IsActive && VolumeDevices.HasDisk(domain.GetXmlDescription(), target, path);
            }, ct);
            if (stillThere || !await volumes.TransitionAsync(volume.Id, VolumeStates.Detaching, VolumeStates.Available, null, null, ct))
                return volume;
            var settled = volume with { State = VolumeStates.Available, MachineId = null, Target = null };
            events.Publish(settled, machineId);
            return settled;
        }
        catch (Exception ex) when (ex is LibvirtException or HostUnavailableException)
        {
            // The host cannot say: the volume stays detaching until it can.
            return volume;
        }
    }

    public async Task<Volume> GrowAsync(Caller caller, Guid id, int? sizeGiB, CancellationToken ct)
    {
        var volume = await GetAsync(caller, id, ct);
        return await audit.RunAsync(caller, "volume.grow", AuditTarget, id.ToString(), volume.Name, async () =>
        {
            EnsureMayChange(caller);
            if (sizeGiB is null)
                throw ValidationFailedException.For("sizeGiB", "sizeGiB is required.");
            if (sizeGiB <= volume.SizeGiB || sizeGiB > MaxSizeGiB)
                throw ValidationFailedException.For("sizeGiB", $"sizeGiB must be more than the volume's {volume.SizeGiB} GiB and at most {MaxSizeGiB} (volumes only grow).");
            if (volume.State is not (VolumeStates.Available or VolumeStates.Attached))
                throw new ConflictException($"Cannot grow volume '{volume.Name}': it is {volume.State}.");
            if (!await volumes.GrowAsync(volume.Id, volume.SizeGiB, sizeGiB.Value, ct))
                throw new ConflictException($"Volume '{volume.Name}' changed meanwhile; try again.");
            try
            {
                var bytes = sizeGiB.Value * GiB;
                var machine = volume.MachineId is { } m ? await machineStore.GetAsync(m, ct) : null;
                bool grownLive = machine is not null && volume.Target is { } target && await connections.RunAsync(volume.HostId, connection =>
                {
                    using var domain = connection.LookupDomainByUuid(machine.DomainUuid);
                    if (domain is null || !domain.IsActive)
                        return false;
                    // The running guest has the file open: QEMU grows it, and the guest sees the new size at once.
                    domain.BlockResize(target, (ulong)bytes);
                    return true;
                }, ct);
                if (!grownLive)
                    await disks.ResizeVolumeAsync(volume.HostId, volume.VolumeName, bytes, ct);
            }
            catch (Exception ex)
            {
                await volumes.GrowAsync(volume.Id, sizeGiB.Value, volume.SizeGiB, CancellationToken.None);
                throw HostFailure($"Growing volume '{volume.Name}'", ex);
            }
            var grown = volume with { SizeGiB = sizeGiB.Value };
            events.Publish(grown);
            return grown;
        }, v => $"to {v.SizeGiB} GiB", ct);
    }

    public async Task DeleteAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var volume = await GetAsync(caller, id, ct);
        await audit.RunAsync(caller, "volume.delete", AuditTarget, id.ToString(), volume.Name, async () =>
        {
            EnsureMayChange(caller);
            if (volume.MachineId is { } machineId)
            {
                var machine = await machineStore.GetAsync(machineId, ct);
                throw new ConflictException($"Volume '{volume.Name}' is {volume.State} to machine '{machine?.Name ?? machineId.ToString()}'; detach it first.");
            }
            if (!await volumes.TransitionAsync(volume.Id, VolumeStates.Available, VolumeStates.Deleting, null, null, ct))
                throw new ConflictException(await BusyReasonAsync(volume.Id, ct));
            await removal.RemoveAsync(volume with { State = VolumeStates.Deleting }, ct);
            events.Publish(volume with { State = VolumeStates.Deleting }, removed: true);
        }, ct);
    }

    /// <summary>Finishes creates and deletes that a stopped portal left half-done: the file is removed, then the row.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        int swept = 0;
        foreach (var volume in await volumes.ListInStatesAsync([VolumeStates.Creating, VolumeStates.Deleting], ct))
        {
            if (connections.GetStatus(volume.HostId).State != HostConnectionState.Connected)
                continue;
            // A create in flight right now is younger than this: leave it to finish.
            if (Clock.Now() - volume.UpdatedAt < TimeSpan.FromMinutes(5))
                continue;
            try
            {
                await disks.DeleteVolumeAsync(volume.HostId, volume.VolumeName, ct);
                await volumes.DeleteAsync(volume.Id, ct);
                swept++;
                log.LogInformation("Removed volume {Name} ({Id}) left {State} by an interrupted operation", volume.Name, volume.Id, volume.State);
            }
            catch (Exception ex) when (ex is LibvirtException or HostUnavailableException)
            {
                log.LogWarning("Could not remove interrupted volume {Id} yet: {Message}", volume.Id, ex.Message);
            }
        }
        return swept;
    }

    private async Task<Guid> ChooseHostAsync(Guid? hostId, CancellationToken ct)
    {
        if (hostId is { } id)
        {
            if (await hosts.GetAsync(id, ct) is null)
                throw ValidationFailedException.For("hostId", $"Host {id} was not found.");
            if (connections.GetStatus(id).State != HostConnectionState.Connected)
                throw new ConflictException($"Host {id} is not connected; the volume cannot be created there now.");
            return id;
        }
        // Without a wish, the first connected host by name that is not in maintenance: where new machines can go too.
        var candidates = (await hosts.ListAsync(ct)).Where(h => !h.Maintenance && connections.GetStatus(h.Id).State == HostConnectionState.Connected)
            .OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        return candidates.Count > 0 ? candidates[0].Id : throw new ConflictException("No host is connected; a volume cannot be created now.");
    }

    private async Task<string> BusyReasonAsync(Guid id, CancellationToken ct)
    {
        var now = await volumes.GetAsync(id, ct);
        if (now is null)
            return $"Volume {id} was deleted meanwhile.";
        if (now.MachineId is { } machineId)
            return $"Volume '{now.Name}' is {now.State} to machine '{(await machineStore.GetAsync(machineId, ct))?.Name ?? machineId.ToString()}'.";
        return $"Volume '{now.Name}' is {now.State}.";
    }

    /// <summary>A libvirt refusal becomes a 409 that says what failed; anything else keeps its own meaning.</summary>
    private static Exception HostFailure(string what, Exception ex) =>
        ex is LibvirtException lex ? new ConflictException($"{what} failed on the host: {lex.LibvirtMessage}") : ex;

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change volumes.");
    }
}
