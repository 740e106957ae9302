using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Images;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Placement;
using CloudPortal.Core.Quotas;
using CloudPortal.Core.Storage;
using LibvirtSharp;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Machines;

/// <summary>What tenants do with machines: every call is scoped to the caller's tenant.</summary>
public sealed partial class MachineService(
    IMachineStore machines,
    IOperationStore operations,
    HostConnections connections,
    OperationExecutor executor,
    MachineEvents events,
    InstallationIdentity installation,
    IAuditLog audit,
    IQuotaStore quotas,
    HostPlacement placement,
    PolicyConflicts conflicts,
    ILogger<MachineService> log,
    IImageContentSource? images = null,
    MachineDisks? disks = null,
    Networks.NetworkAttachments? networks = null,
    IMachineVolumes? volumes = null,
    CloudInit.SshKeyService? sshKeys = null,
    ISnapshotStore? snapshots = null)
{
    /// <summary>How many times a create is placed again after its host dropped before the machine was made there.</summary>
    public const int MaxReplacements = 2;

    /// <summary>
    /// Test-only: runs before the domain is defined on the chosen host; a test drops the host's connection here to
    /// prove the create is placed again on the hosts that remain.
    /// </summary>
    internal Func<Machine, CancellationToken, Task>? BeforeDefineHook { get; set; }

    /// <summary>
    /// Test-only fault injection: runs after the domain is defined and before it is started, with the create's
    /// quota still reserved; throwing from it fails the create mid-way exactly as a libvirt refusal would.
    /// </summary>
    internal Func<Machine, CancellationToken, Task>? BeforeStartHook { get; set; }

    private readonly MachineClaims _claims = new();

    /// <summary>Holds the machine against other changes (start, delete, resize...) until disposed; 409 when something else holds it.</summary>
    public IDisposable Claim(Machine machine, string what) => _claims.Claim(machine.Id, machine.Name, what);

    public async Task<Machine> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var machine = await machines.GetAsync(id, ct);
        // Another tenant's machine is reported exactly like one that does not exist.
        if (machine is null || (machine.TenantId != caller.TenantId && !caller.IsAdmin))
            throw new NotFoundException($"Machine {id} was not found.");
        return machine;
    }

    /// <summary>Where a machine of this request would go, and why not elsewhere, without creating anything.</summary>
    public async Task<PlacementExplanation> ExplainPlacementAsync(Caller caller, MachineRequest request, CancellationToken ct)
    {
        EnsureMayChange(caller);
        // The name does not matter for placement: a dry run may leave it out.
        var valid = MachineRequestRules.Validate(request with { Name = string.IsNullOrEmpty(request.Name) ? "explain" : request.Name });
        return await placement.ExplainAsync(new PlacementRequest(caller.TenantId, valid.Vcpus, valid.MemoryMiB, valid.Labels)
        {
            Group = await placement.GroupAsync(caller, request.PlacementGroupId, ct),
        }, ct);
    }

    /// <summary>The decision recorded when the machine was placed; another tenant's machine is a 404 like any other.</summary>
    public async Task<PlacementExplanation> GetPlacementAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var machine = await GetAsync(caller, id, ct);
        return await placement.RecordedAsync(machine.Id, ct)
            ?? throw new NotFoundException($"No placement decision is recorded for machine '{machine.Name}' (it was created before placement was recorded).");
    }

    public Task<Page<Machine>> ListAsync(Caller caller, PageRequest page, CancellationToken ct) =>
        machines.ListAsync(caller.TenantId, page, ct);

    /// <summary>Validates, picks a host, records the machine and its create operation, and starts the work.</summary>
    private readonly SemaphoreSlim _placing = new(1, 1);

    private async Task<(Machine Machine, Operation Operation)> CreateUnauditedAsync(Caller caller, MachineRequest request, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var valid = MachineRequestRules.Validate(request);
        var rootImage = await FindRootImageAsync(caller, valid, ct);
        long diskBytes = rootImage is null ? 0 : MachineDisks.CapacityBytes(rootImage, valid.DiskGiB);
        // The root disk counts against the aggregate disk quota at the size it is made: the requested size or the image's
        // virtual size for a disk from an image, the source's disk for a clone (a full copy of it).
        var diskGiB = (int)(rootImage is not null ? QuotaAmounts.GiBOf(diskBytes) : request.CloneOf is not null ? request.CloneDiskGiB : 0);
        var seed = await SeedForAsync(caller, request, valid, rootImage, ct);
        var group = await placement.GroupAsync(caller, request.PlacementGroupId, ct);
        // Checked before anything is recorded: a machine may only join its own tenant's networks.
        var networkChoice = networks is null ? null : await networks.ResolveAsync(caller, request.NetworkId, request.SecurityGroupId, ct);
        if (networks is null && request.NetworkId is not null)
            throw ValidationFailedException.For("networkId", "Networks are not available in this portal.");
        // Choosing a host reads the hosts' allocations and the insert adds to them: one create at a time decides and
        // records, so two creates cannot both take the last room on a host or both pass a strict group or exclusive
        // rule. (Several portal nodes would need the same under a database lock.)
        await _placing.WaitAsync(ct);
        Machine machine;
        Operation operation;
        PlacementExplanation explanation;
        var placementRequest = new PlacementRequest(caller.TenantId, valid.Vcpus, valid.MemoryMiB, valid.Labels)
        {
            Group = group, PinnedHost = request.CloneOf?.HostId,
        };
        try
        {
            // A strict anti-affinity group already holding a machine per host the tenant may use is refused with the
            // numbers, rather than with every host's "already runs a member".
            await conflicts.EnsureGroupCanTakeAsync(caller.TenantId, group, 1, ct);
            (var hostId, explanation) = await placement.ChooseAsync(valid.Name, placementRequest, ct);
            var now = Clock.Now();
            machine = new Machine
            {
                Id = Guid.NewGuid(),
                Name = valid.Name,
                TenantId = caller.TenantId,
                OwnerId = caller.UserId,
                HostId = hostId,
                State = MachineState.Provisioning,
                Vcpus = valid.Vcpus,
                MemoryMiB = valid.MemoryMiB,
                DomainUuid = Guid.NewGuid(),
                CreatedAt = now,
                UpdatedAt = now,
                PlacementGroupId = request.PlacementGroupId,
                ImageId = rootImage?.ImageId ?? request.CloneOf?.ImageId,
                DiskGiB = diskGiB,
            };
            operation = NewOperation(OperationKinds.Create, caller, machine.Id, now);
            // Reserves the defined and the running part: the machine is created to run.
            await machines.InsertWithOperationAsync(machine, operation,
                QuotaAmounts.DefinedOf(machine.Vcpus, machine.MemoryMiB, machine.DiskGiB) + QuotaAmounts.RunningOf(machine.Vcpus, machine.MemoryMiB),
                new MachineSize(machine.Vcpus, machine.MemoryMiB, machine.DiskGiB), ct);
        }
        finally
        {
            _placing.Release();
        }
        if (networkChoice is not null)
        {
            try
            {
                await networks!.RecordNicAsync(machine.Id, networkChoice, ct);
            }
            catch (Exception ex)
            {
                // No NIC means no create: the machine row goes again, with its reservation, before anything ran.
                await RollBackCreateAsync(machine, operation.Id, "Could not give the machine an address: " + ex.Message, CancellationToken.None);
                throw;
            }
        }
        // Recorded right after the insert rather than inside its transaction: the decision is advice for people, and a
        // machine whose record failed is still a correct machine. The create cannot have rolled back yet: it starts below.
        try
        {
            await placement.RecordAsync(machine.Id, explanation, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            log.LogWarning(ex, "Could not record the placement of machine {Name}", machine.Name);
        }
        events.Publish(machine);
        var domainType = connections.GetStatus(machine.HostId).Virtualization ?? VirtualizationProbe.Tcg;
        executor.Start(operation.Id, token => RunCreateAsync(machine, operation.Id, domainType, placementRequest, token, rootImage, diskBytes, seed,
            request.CloneOf, request.CloneClaim, request.CloneSnapshot));
        return (machine, operation);
    }

    /// <summary>
    /// The NoCloud seed of a create, checked before anything is recorded: keys named from the caller's profile must be
    /// theirs, every field must pass the seed rules, and a seed needs a disk from an image to boot something that reads it.
    /// </summary>
    private async Task<CloudInit.CloudInitSeed?> SeedForAsync(Caller caller, MachineRequest request, ValidMachineRequest valid, ImageContent? rootImage,
        CancellationToken ct)
    {
        if (request.CloudInit is not { IsEmpty: false } wanted)
            return null;
        if (rootImage is null)
            throw ValidationFailedException.For("imageId", "hostname, SSH keys and user-data reach the guest through cloud-init: give imageId (a diskless machine runs no OS to read them).");
        var keys = new List<string>();
        if (wanted.SshKeyIds is { Count: > 0 } ids)
        {
            if (sshKeys is null)
                throw ValidationFailedException.For("sshKeyIds", "SSH keys from profiles are not available in this portal.");
            keys.AddRange(await sshKeys.ResolveAsync(caller, ids, ct));
        }
        keys.AddRange(wanted.SshKeys ?? []);
        var seed = new CloudInit.CloudInitSeed(CloudInit.CloudInitSeedRules.NewInstanceId(), wanted.Hostname ?? valid.Name.ToLowerInvariant(),
            keys.Distinct(StringComparer.Ordinal).ToList(), wanted.UserData);
        try
        {
            CloudInit.CloudInitSeedRules.Validate(seed);
        }
        catch (ValidationFailedException ex)
        {
            // The API's field for pasted keys is sshKeys.
            throw new ValidationFailedException(ex.Errors.ToDictionary(e => e.Key == "sshPublicKeys" ? "sshKeys" : e.Key, e => e.Value));
        }
        return seed;
    }

    /// <summary>The image a root disk is made from; it must exist, be visible to the caller and fit in the requested size.</summary>
    private async Task<ImageContent?> FindRootImageAsync(Caller caller, ValidMachineRequest valid, CancellationToken ct)
    {
        if (valid.ImageId is not { } imageId)
            return null;
        if (images is null || disks is null)
            throw ValidationFailedException.For("imageId", "This portal has no image catalogue: omit imageId for a diskless machine.");
        var image = await images.FindForCallerAsync(caller, imageId, ct)
            ?? throw ValidationFailedException.For("imageId", $"Image {imageId} was not found.");
        if (valid.DiskGiB is { } gib && gib * (1L << 30) < image.VirtualSizeBytes)
            throw ValidationFailedException.For("diskGiB",
                $"diskGiB must be at least the image's virtual size ({Math.Ceiling(image.VirtualSizeBytes / (double)(1L << 30))} GiB).");
        var errors = new ValidationErrors();
        ImageRequirements.Check(image, valid.MemoryMiB, valid.DiskGiB, errors);
        errors.ThrowIfAny();
        return image;
    }

    private async Task<Operation> DeleteUnauditedAsync(Caller caller, Guid id, bool keepVolumes, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var machine = await GetAsync(caller, id, ct);
        using var claim = _claims.Claim(machine.Id, machine.Name, "delete");
        machine = await GetAsync(caller, id, ct);
        if (!MachineActions.MayDelete(machine.State))
            throw new ConflictException($"Cannot delete machine '{machine.Name}': it is {machine.State.ToContractName()}.");
        var operation = NewOperation(OperationKinds.Delete, caller, machine.Id, Clock.Now());
        if (!await machines.TryBeginAsync(machine.Id, MachineState.Deleting, operation, ct))
            throw new ConflictException($"Machine '{machine.Name}' is busy with another operation.");
        events.Publish(machine with { State = MachineState.Deleting });
        executor.Start(operation.Id, token => RunDeleteAsync(machine, operation.Id, token, keepVolumes));
        return operation;
    }

    /// <summary>Carries out a quick action at once and returns the machine in the state libvirt reports after it.</summary>
    private async Task<Machine> ActUnauditedAsync(Caller caller, Guid id, MachineAction action, CancellationToken ct)
    {
        EnsureMayChange(caller);
        if (action == MachineAction.Shutdown)
            return (await ShutdownUnauditedAsync(caller, id, null, ct)).Machine;
        var machine = await GetAsync(caller, id, ct);
        using var claim = _claims.Claim(machine.Id, machine.Name, action.ToString().ToLowerInvariant());
        // Read again under the claim: the state checked is the one no other change can move meanwhile.
        machine = await GetAsync(caller, id, ct);
        MachineActions.EnsureAllowed(action, machine);
        // Starting (also from suspended) makes the machine count against the running limits: reserve first.
        Guid? reservationId = null;
        if (action == MachineAction.Start)
        {
            reservationId = Guid.NewGuid();
            await quotas.ReserveAsync(reservationId.Value, machine.TenantId, machine.Id, ReservationKinds.Start,
                QuotaAmounts.RunningOf(machine.Vcpus, machine.MemoryMiB), null, ct);
        }
        DomainObservation observed;
        try
        {
            observed = await connections.RunAsync(machine.HostId, connection =>
            {
                using var domain = connection.LookupDomainByUuid(machine.DomainUuid)
                    ?? throw new ConflictException($"Machine '{machine.Name}' has no domain on its host any more.");
                MachineActions.Apply(action, domain);
                return DomainObservation.Of(domain);
            }, ct);
        }
        catch when (reservationId is not null)
        {
            await quotas.ReleaseAsync(reservationId.Value, CancellationToken.None);
            throw;
        }
        log.LogInformation("{User} did {Action} on machine {Name}: now {State}", caller.Username, action, machine.Name, observed.State);
        if (reservationId is null)
            return await SetStateAsync(machine, observed.State, null, ct) ?? machine;
        // The state change and the end of the reservation in one transaction; the store moves the charge by the
        // state it finds, so a reconciler that already recorded "running" leaves nothing to double count.
        if (!await machines.UpdateStateAsync(machine.Id, observed.State, null, reservationId, CancellationToken.None))
            return machine;
        var started = machine with { State = observed.State, LastError = null, UpdatedAt = Clock.Now() };
        events.Publish(started);
        return started;
    }

    /// <summary>Records a new state when it differs and tells whoever watches; null when the machine is gone.</summary>
    public async Task<Machine?> SetStateAsync(Machine machine, MachineState state, string? lastError, CancellationToken ct)
    {
        if (machine.State == state && machine.LastError == lastError)
            return machine;
        if (!await machines.UpdateStateAsync(machine.Id, state, lastError, ct))
            return null;
        var updated = machine with { State = state, LastError = lastError, UpdatedAt = Clock.Now() };
        events.Publish(updated);
        return updated;
    }

    /// <summary>
    /// The reconciler's write: skipped while a change of the machine is under way (that change records its own outcome),
    /// and only if the machine is still in the state the reconciler read before looking at libvirt.
    /// </summary>
    public async Task<Machine?> ReconcileStateAsync(Machine machine, MachineState state, string? lastError, CancellationToken ct)
    {
        if ((machine.State == state && machine.LastError == lastError) || _claims.IsClaimed(machine.Id))
            return machine;
        if (!await machines.UpdateStateIfAsync(machine.Id, machine.State, state, lastError, ct))
            return null;
        var updated = machine with { State = state, LastError = lastError, UpdatedAt = Clock.Now() };
        events.Publish(updated);
        return updated;
    }

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change machines.");
    }

    private static Operation NewOperation(string kind, Caller caller, Guid machineId, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(),
        Kind = kind,
        TenantId = caller.TenantId,
        MachineId = machineId,
        UserId = caller.UserId,
        State = OperationState.Pending,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private async Task RunCreateAsync(Machine machine, Guid operationId, string domainType, PlacementRequest request, CancellationToken ct,
        ImageContent? rootImage = null, long diskBytes = 0, CloudInit.CloudInitSeed? seed = null, Machine? cloneOf = null, IDisposable? cloneClaim = null,
        MachineSnapshot? cloneSnapshot = null)
    {
        var dropped = new HashSet<Guid>();
        try
        {
            var nic = networks is null ? null : await networks.GetNicAsync(machine.Id, ct);
            while (true)
            {
                try
                {
                    // The network and the filter go on the host first: a domain cannot be defined on a missing network.
                    // libvirt's test driver has no nwfilter and its domains get no devices, so the NIC stays a record there.
                    if (nic is not null && domainType != "test")
                    {
                        await operations.RecordStepAsync(operationId, "network", "started", 5, null, ct);
                        await networks!.PrepareHostAsync(machine, nic.Assignment, ct);
                        await operations.RecordStepAsync(operationId, "network", "done", 8, null, ct);
                    }
                    MachineDisk? rootDisk = null;
                    if (rootImage is not null)
                    {
                        // Journalled before the volume exists: a rollback (now or after a crash) removes the overlay by its
                        // derived name. A machine moved to another host gets a new overlay there; one left on a host that
                        // went away is not reachable to remove now.
                        await operations.RecordStepAsync(operationId, "disk", "started", 8, rootImage.Sha256, ct);
                        var path = await disks!.CreateOverlayAsync(machine.HostId, machine.DomainUuid, rootImage, diskBytes, ct);
                        rootDisk = new MachineDisk(path);
                        await operations.RecordStepAsync(operationId, "disk", "done", 10, path, ct);
                    }
                    else if (cloneOf is not null)
                    {
                        // A full copy of the source's disk (flattened by qemu-img convert); the source may start again after it.
                        await operations.RecordStepAsync(operationId, "disk", "started", 8, $"copy of machine {cloneOf.Name}'s disk{(cloneSnapshot is null ? "" : $" at snapshot '{cloneSnapshot.Name}'")}", ct);
                        var path = await disks!.CloneDiskAsync(machine.HostId, cloneOf.DomainUuid, machine.DomainUuid, cloneSnapshot, ct);
                        cloneClaim?.Dispose();
                        rootDisk = new MachineDisk(path);
                        await operations.RecordStepAsync(operationId, "disk", "done", 10, path, ct);
                    }
                    string? seedPath = null;
                    if (seed is not null)
                    {
                        // Named after the domain like the overlay: the rollback and the delete remove it by that name.
                        await operations.RecordStepAsync(operationId, "seed", "started", 10, $"hostname {seed.Hostname}, {seed.SshPublicKeys.Count} SSH key(s)", ct);
                        seedPath = await UploadSeedAsync(machine, seed, ct);
                        await operations.RecordStepAsync(operationId, "seed", "done", 10, seedPath, ct);
                    }
                    var xml = DomainXmlBuilder.Build(new DomainSpec(machine, domainType,
                        new PortalMetadata(installation.Id, machine.Id, machine.TenantId, machine.OwnerId), rootDisk, nic) { SeedPath = seedPath });
                    await operations.RecordStepAsync(operationId, "define", "started", 10, null, ct);
                    if (BeforeDefineHook is { } beforeDefine)
                        await beforeDefine(machine, ct);
                    await connections.RunAsync(machine.HostId, connection => connection.DefineDomainXml(xml).Dispose(), ct);
                    await operations.RecordStepAsync(operationId, "define", "done", 40, null, ct);
                }
                catch (HostUnavailableException ex) when (dropped.Count < MaxReplacements)
                {
                    // The host went away between the choice and the define: nothing was made there, so the machine
                    // goes to another host rather than failing. Journal first, so a restart sees why it moved.
                    (machine, domainType) = await PlaceAgainAsync(machine, operationId, request, dropped, Describe(ex), ct);
                    continue;
                }
                break;
            }
            if (BeforeStartHook is { } hook)
                await hook(machine, ct);
            await operations.RecordStepAsync(operationId, "start", "started", 50, null, ct);
            var observed = await connections.RunAsync(machine.HostId, connection =>
            {
                using var domain = connection.LookupDomainByUuid(machine.DomainUuid)
                    ?? throw new InvalidOperationException("The domain vanished between define and start.");
                domain.Create();
                return DomainObservation.Of(domain);
            }, ct);
            await operations.RecordStepAsync(operationId, "start", "done", 100, null, ct);
            await SetStateAsync(machine, observed.State, null, ct);
            await operations.FinishAsync(operationId, OperationState.Succeeded, null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var message = Describe(ex);
            log.LogWarning("Creating machine {Name} failed: {Message}; rolling back", machine.Name, message);
            await RollBackCreateAsync(machine, operationId, message, ct);
        }
        finally
        {
            cloneClaim?.Dispose();
        }
    }

    private async Task<string> UploadSeedAsync(Machine machine, CloudInit.CloudInitSeed seed, CancellationToken ct)
    {
        var iso = Path.Combine(Path.GetTempPath(), $"cloudportal-seed-{machine.DomainUuid:N}.iso");
        try
        {
            await CloudInit.NoCloudSeedBuilder.BuildIsoAsync(seed, iso, ct);
            return await disks!.UploadSeedAsync(machine.HostId, machine.DomainUuid, iso, ct);
        }
        finally
        {
            File.Delete(iso);
        }
    }

    /// <summary>
    /// Re-runs the choice without the hosts that dropped, under the same lock as a new create's choice, moves the
    /// machine's record there and records the new decision. No host left is the create's failure (rolled back).
    /// </summary>
    private async Task<(Machine Machine, string DomainType)> PlaceAgainAsync(
        Machine machine, Guid operationId, PlacementRequest request, HashSet<Guid> dropped, string why, CancellationToken ct)
    {
        var lost = connections.GetStatus(machine.HostId);
        dropped.Add(machine.HostId);
        await operations.RecordStepAsync(operationId, "replace", "started", 10, $"host {machine.HostId} dropped during the create: {why}", ct);
        log.LogWarning("Host {HostId} dropped while machine {Name} was being created there ({Message}); placing it again", machine.HostId, machine.Name, why);
        Guid hostId;
        PlacementExplanation explanation;
        await _placing.WaitAsync(ct);
        try
        {
            var group = request.Group;
            if (group is not null && machine.PlacementGroupId is { } groupId)
                group = group with { MemberHosts = await placement.GroupMembersExceptAsync(groupId, machine.Id, ct) };
            try
            {
                (hostId, explanation) = await placement.ChooseAsync(machine.Name, request with { Group = group, DroppedHosts = dropped }, ct);
            }
            catch (Exception ex) when (ex is ConflictException or HostUnavailableException or ValidationFailedException)
            {
                throw new HostUnavailableException($"Host {lost.HostId} dropped during the create ({why}) and no other host can take the machine: {ex.Message}");
            }
            if (!await machines.UpdateHostAsync(machine.Id, hostId, ct))
                throw new NotFoundException($"Machine '{machine.Name}' was deleted while it was being placed again.");
        }
        finally
        {
            _placing.Release();
        }
        await placement.RecordAsync(machine.Id, explanation, ct);
        var moved = machine with { HostId = hostId };
        events.Publish(moved);
        await operations.RecordStepAsync(operationId, "replace", "done", 10,
            $"placed again on host {explanation.Chosen!.Name} ({dropped.Count} host{(dropped.Count == 1 ? "" : "s")} dropped)", ct);
        return (moved, connections.GetStatus(hostId).Virtualization ?? VirtualizationProbe.Tcg);
    }

    /// <summary>Leaves no domain and no row behind; if the host cannot be reached, keeps the row as failed so nothing is lost track of.</summary>
    public async Task RollBackCreateAsync(Machine machine, Guid operationId, string error, CancellationToken ct)
    {
        await operations.RecordStepAsync(operationId, "rollback", "started", 100, error, ct);
        try
        {
            await connections.RunAsync(machine.HostId, connection => DomainRemoval.Remove(connection, machine.DomainUuid), ct);
            if (disks is not null)
                await disks.RemoveOverlayAsync(machine.HostId, machine.DomainUuid, ct);
        }
        catch (Exception ex) when (ex is LibvirtException or HostUnavailableException)
        {
            var message = $"{error} (rollback could not reach the host: {Describe(ex)}; delete the machine to retry)";
            await SetStateAsync(machine, MachineState.Failed, message, ct);
            await operations.FinishAsync(operationId, OperationState.Failed, message, ct);
            return;
        }
        await machines.DeleteAsync(machine.Id, ct);
        events.Publish(machine with { State = MachineState.Failed }, removed: true);
        await operations.RecordStepAsync(operationId, "rollback", "done", 100, null, ct);
        await operations.FinishAsync(operationId, OperationState.Failed, error, ct);
    }

    /// <summary>Undefines the domain, then deals with its data volumes (kept or removed), its root disk and its row.</summary>
    public async Task RunDeleteAsync(Machine machine, Guid operationId, CancellationToken ct, bool keepVolumes = false)
    {
        try
        {
            await operations.RecordStepAsync(operationId, "undefine", "started", 20, null, ct);
            var existed = await connections.RunAsync(machine.HostId, connection => DomainRemoval.Remove(connection, machine.DomainUuid), ct);
            await operations.RecordStepAsync(operationId, "undefine", "done", 70, existed ? null : "the domain was already gone", ct);
            if (volumes is not null)
            {
                await operations.RecordStepAsync(operationId, "volumes", "started", 72, keepVolumes ? "keeping data volumes" : null, ct);
                var count = await volumes.ReleaseAsync(machine, keepVolumes, ct);
                await operations.RecordStepAsync(operationId, "volumes", "done", 74,
                    count == 0 ? "no data volumes" : $"{count} data volume(s) {(keepVolumes ? "kept" : "removed")}", ct);
            }
            if (disks is not null)
            {
                await operations.RecordStepAsync(operationId, "disk", "started", 75, null, ct);
                var hadDisk = await disks.RemoveOverlayAsync(machine.HostId, machine.DomainUuid, ct);
                await operations.RecordStepAsync(operationId, "disk", "done", 80, hadDisk ? null : "no disk", ct);
            }
            await operations.RecordStepAsync(operationId, "forget", "started", 90, null, ct);
            await machines.DeleteAsync(machine.Id, ct);
            events.Publish(machine with { State = MachineState.Deleting }, removed: true);
            await operations.RecordStepAsync(operationId, "forget", "done", 100, null, ct);
            await operations.FinishAsync(operationId, OperationState.Succeeded, null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var message = Describe(ex);
            log.LogWarning("Deleting machine {Name} failed: {Message}", machine.Name, message);
            await SetStateAsync(machine with { State = MachineState.Deleting }, MachineState.Failed, "Delete failed: " + message, ct);
            await operations.FinishAsync(operationId, OperationState.Failed, message, ct);
        }
    }

    private static string Describe(Exception ex) => ex is LibvirtException lex ? lex.LibvirtMessage : ex.Message;
}
