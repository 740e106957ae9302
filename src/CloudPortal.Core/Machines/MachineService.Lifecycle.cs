using System.Globalization;
using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Quotas;
using LibvirtSharp;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Machines;

/// <summary>Graceful shutdown with a deadline, rename and resize: the lifecycle changes beyond the quick actions.</summary>
public sealed partial class MachineService
{
    public const int MinShutdownTimeoutSeconds = 1;
    public const int MaxShutdownTimeoutSeconds = 3600;

    /// <summary>How long a guest gets to shut down by itself before it is powered off (CloudPortal:Machines:ShutdownTimeoutSeconds).</summary>
    public TimeSpan DefaultShutdownTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a shutting-down guest is looked at.</summary>
    public TimeSpan ShutdownPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Asks the guest to shut down (ACPI) and powers it off if it is still running at the deadline; the machine is
    /// stopping meanwhile and the operation's journal says when the power-off comes.
    /// </summary>
    private async Task<(Machine Machine, Operation Operation)> ShutdownUnauditedAsync(Caller caller, Guid id, int? timeoutSeconds, CancellationToken ct)
    {
        EnsureMayChange(caller);
        if (timeoutSeconds is < MinShutdownTimeoutSeconds or > MaxShutdownTimeoutSeconds)
            throw ValidationFailedException.For("timeoutSeconds",
                $"timeoutSeconds must be between {MinShutdownTimeoutSeconds} and {MaxShutdownTimeoutSeconds}.");
        var timeout = timeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultShutdownTimeout;
        var machine = await GetAsync(caller, id, ct);
        Operation operation;
        using (_claims.Claim(machine.Id, machine.Name, "shutdown"))
        {
            machine = await GetAsync(caller, id, ct);
            MachineActions.EnsureAllowed(MachineAction.Shutdown, machine);
            operation = NewOperation(OperationKinds.Shutdown, caller, machine.Id, Clock.Now());
            if (!await machines.TryBeginAsync(machine.Id, MachineState.Stopping, operation, ct))
                throw new ConflictException($"Machine '{machine.Name}' is busy with another operation.");
        }
        var stopping = machine with { State = MachineState.Stopping, LastError = null, UpdatedAt = Clock.Now() };
        events.Publish(stopping);
        executor.Start(operation.Id, token => RunShutdownAsync(stopping, operation.Id, timeout, token));
        return (stopping, operation);
    }

    private async Task RunShutdownAsync(Machine machine, Guid operationId, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Clock.Now() + timeout;
        try
        {
            await operations.RecordStepAsync(operationId, "shutdown", "started", 10,
                $"shutting down, power off at {deadline.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)}" +
                $" ({timeout.TotalSeconds:0} s)", ct);
            await connections.RunAsync(machine.HostId, connection =>
            {
                using var domain = FindDomain(connection, machine);
                try
                {
                    if (domain.IsActive)
                        domain.Shutdown();
                }
                catch (LibvirtException) when (!domain.IsActive)
                {
                    // Powered off (by a power-off asked for meanwhile) between the look and the request: the guest
                    // is where the shutdown was taking it, which the observation below records.
                }
            }, ct);
            var observed = await ObserveAsync(machine, ct);
            while (observed.State is MachineState.Running or MachineState.Paused && Clock.Now() < deadline)
            {
                await Task.Delay(ShutdownPollInterval, ct);
                observed = await ObserveAsync(machine, ct);
            }
            if (observed.State is MachineState.Running or MachineState.Paused)
            {
                await operations.RecordStepAsync(operationId, "poweroff", "started", 80,
                    $"the guest did not shut down within {timeout.TotalSeconds:0} s: powering off", ct);
                observed = await connections.RunAsync(machine.HostId, connection =>
                {
                    using var domain = FindDomain(connection, machine);
                    try
                    {
                        domain.Destroy();
                    }
                    catch (LibvirtException) when (!domain.IsActive)
                    {
                        // It stopped by itself between the last look and the power-off: the outcome is the same.
                    }
                    return DomainObservation.Of(domain);
                }, ct);
                await operations.RecordStepAsync(operationId, "poweroff", "done", 100, null, ct);
            }
            else
            {
                await operations.RecordStepAsync(operationId, "shutdown", "done", 100,
                    // Stopped before the deadline: by the guest itself, or by a power-off someone asked for meanwhile.
                    observed.State == MachineState.Stopped ? "stopped before the deadline" : $"the machine is {observed.State.ToContractName()}", ct);
            }
            await SetStateAsync(machine, observed.State, null, ct);
            await operations.FinishAsync(operationId, OperationState.Succeeded, null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var message = Describe(ex);
            log.LogWarning("Shutting down machine {Name} failed: {Message}", machine.Name, message);
            await SettleAfterFailureAsync(machine, "Shutdown failed: " + message, ct);
            await operations.FinishAsync(operationId, OperationState.Failed, message, ct);
        }
    }

    /// <summary>A shutdown a previous process left half-done: the machine takes the state libvirt reports now.</summary>
    public async Task RecoverShutdownAsync(Machine machine, Guid operationId, CancellationToken ct)
    {
        await SettleAfterFailureAsync(machine, null, ct);
        await operations.FinishAsync(operationId, OperationState.Failed,
            "Interrupted by a portal restart; the machine keeps the state its host reports.", ct);
    }

    /// <summary>Leaves the transitional state for what libvirt says, or failed when the host cannot be asked.</summary>
    private async Task SettleAfterFailureAsync(Machine machine, string? error, CancellationToken ct)
    {
        try
        {
            var observed = await ObserveAsync(machine, ct);
            await SetStateAsync(machine, observed.State, error, ct);
        }
        catch (Exception ex) when (ex is LibvirtException or HostUnavailableException or ConflictException)
        {
            await SetStateAsync(machine, MachineState.Failed, error ?? Describe(ex), ct);
        }
    }

    private Task<DomainObservation> ObserveAsync(Machine machine, CancellationToken ct) =>
        connections.RunAsync(machine.HostId, connection =>
        {
            using var domain = FindDomain(connection, machine);
            return DomainObservation.Of(domain);
        }, ct);

    private static Domain FindDomain(Connection connection, Machine machine) =>
        connection.LookupDomainByUuid(machine.DomainUuid)
        ?? throw new ConflictException($"Machine '{machine.Name}' has no domain on its host any more.");

    /// <summary>
    /// Renames within the tenant (names are unique per tenant). Stopped: the libvirt domain is renamed as well, so
    /// virsh shows the new name; running: only the portal's name changes (libvirt cannot rename an active domain).
    /// </summary>
    private async Task<(Machine Machine, Operation Operation)> RenameUnauditedAsync(Caller caller, Guid id, string? name, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var errors = new ValidationErrors();
        MachineRequestRules.ValidateName(name, errors);
        errors.ThrowIfAny();
        var machine = await GetAsync(caller, id, ct);
        using var claim = _claims.Claim(machine.Id, machine.Name, "rename");
        machine = await GetAsync(caller, id, ct);
        MachineActions.EnsureAllowed("rename", MachineActions.RenameAllowedFrom, machine);
        var operation = await BeginQuickOperationAsync(OperationKinds.Rename, caller, machine, ct);
        var renamed = machine with { Name = name!, UpdatedAt = Clock.Now() };
        try
        {
            await operations.RecordStepAsync(operation.Id, "rename", "started", 20, $"'{machine.Name}' to '{name}'", ct);
            if (!await machines.RenameAsync(machine.Id, machine.Name, renamed.Name, ct))
                throw new ConflictException($"Machine '{machine.Name}' changed meanwhile; read it again.");
            if (machine.State == MachineState.Stopped)
            {
                var newDomainName = DomainXmlBuilder.DomainName(renamed);
                await operations.RecordStepAsync(operation.Id, "rename-domain", "started", 60, newDomainName, ct);
                try
                {
                    await connections.RunAsync(machine.HostId, connection =>
                    {
                        using var domain = FindDomain(connection, machine);
                        domain.Rename(newDomainName);
                    }, ct);
                }
                catch
                {
                    // Nothing half-done: the portal's name goes back when libvirt refuses.
                    await machines.RenameAsync(machine.Id, renamed.Name, machine.Name, CancellationToken.None);
                    throw;
                }
                await operations.RecordStepAsync(operation.Id, "rename-domain", "done", 90, null, ct);
            }
            await operations.RecordStepAsync(operation.Id, "rename", "done", 100,
                machine.State == MachineState.Stopped ? null : "running: the libvirt domain keeps its name until renamed while stopped", ct);
            await operations.FinishAsync(operation.Id, OperationState.Succeeded, null, CancellationToken.None);
        }
        catch (Exception ex)
        {
            await operations.FinishAsync(operation.Id, OperationState.Failed, Describe(ex), CancellationToken.None);
            throw;
        }
        events.Publish(renamed);
        return (renamed, operation);
    }

    /// <summary>
    /// New vCPUs and memory for a stopped machine: within the portal's bounds, the host's CPUs and memory and the
    /// tenant's per-machine caps and pooled quota; the domain is redefined with them.
    /// </summary>
    private async Task<(Machine Machine, Operation Operation)> ResizeUnauditedAsync(Caller caller, Guid id, int? vcpus, int? memoryMiB, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var errors = new ValidationErrors();
        if (vcpus is null && memoryMiB is null)
            errors.Add("body", "Give vcpus, memoryMiB or both.");
        if (vcpus is < MachineRequestRules.MinVcpus or > MachineRequestRules.MaxVcpus)
            errors.Add("vcpus", $"vcpus must be between {MachineRequestRules.MinVcpus} and {MachineRequestRules.MaxVcpus}.");
        if (memoryMiB is < MachineRequestRules.MinMemoryMiB or > MachineRequestRules.MaxMemoryMiB)
            errors.Add("memoryMiB", $"memoryMiB must be between {MachineRequestRules.MinMemoryMiB} and {MachineRequestRules.MaxMemoryMiB}.");
        errors.ThrowIfAny();
        var machine = await GetAsync(caller, id, ct);
        using var claim = _claims.Claim(machine.Id, machine.Name, "resize");
        machine = await GetAsync(caller, id, ct);
        MachineActions.EnsureAllowed("resize", MachineActions.ResizeAllowedFrom, machine);
        var newVcpus = vcpus ?? machine.Vcpus;
        var newMemory = memoryMiB ?? machine.MemoryMiB;
        if (newVcpus == machine.Vcpus && newMemory == machine.MemoryMiB)
            throw new ConflictException($"Machine '{machine.Name}' already has {newVcpus} vCPUs and {newMemory} MiB.");
        var host = connections.GetStatus(machine.HostId);
        if (host.Cpus > 0 && newVcpus > host.Cpus)
            throw new ConflictException($"Cannot resize machine '{machine.Name}' to {newVcpus} vCPUs: its host has {host.Cpus} CPUs.");
        if (host.MemoryMiB > 0 && newMemory > host.MemoryMiB)
            throw new ConflictException($"Cannot resize machine '{machine.Name}' to {newMemory} MiB: its host has {host.MemoryMiB} MiB.");

        var operation = await BeginQuickOperationAsync(OperationKinds.Resize, caller, machine, ct);
        var resized = machine with { Vcpus = newVcpus, MemoryMiB = newMemory, UpdatedAt = Clock.Now() };
        try
        {
            await operations.RecordStepAsync(operation.Id, "quota", "started", 10,
                $"{machine.Vcpus} to {newVcpus} vCPUs, {machine.MemoryMiB} to {newMemory} MiB", ct);
            // The row and the quota charge change together, checked against the caps and the tenant's limits.
            if (!await machines.ResizeAsync(machine.Id, MachineState.Stopped, machine.Vcpus, machine.MemoryMiB, newVcpus, newMemory, checkQuota: true, ct))
                throw new ConflictException($"Machine '{machine.Name}' changed meanwhile; read it again.");
            await operations.RecordStepAsync(operation.Id, "redefine", "started", 50, null, ct);
            try
            {
                await connections.RunAsync(machine.HostId, connection =>
                {
                    using var domain = FindDomain(connection, machine);
                    if (domain.IsActive || domain.HasManagedSaveImage)
                        throw new ConflictException($"Machine '{machine.Name}' is no longer stopped on its host.");
                    var xml = DomainXmlResizer.Resize(domain.GetXmlDescription(inactive: true), newVcpus, newMemory);
                    connection.DefineDomainXml(xml).Dispose();
                }, ct);
            }
            catch
            {
                await machines.ResizeAsync(machine.Id, MachineState.Stopped, newVcpus, newMemory, machine.Vcpus, machine.MemoryMiB, checkQuota: false, CancellationToken.None);
                throw;
            }
            await operations.RecordStepAsync(operation.Id, "redefine", "done", 100, null, ct);
            await operations.FinishAsync(operation.Id, OperationState.Succeeded, null, CancellationToken.None);
        }
        catch (Exception ex)
        {
            await operations.FinishAsync(operation.Id, OperationState.Failed, ex is QuotaExceededException q ? string.Join("; ", q.Violations) : Describe(ex),
                CancellationToken.None);
            throw;
        }
        events.Publish(resized);
        return (resized, operation);
    }

    /// <summary>A short change done within the request, journaled like the long ones so the machine's history shows it.</summary>
    private async Task<Operation> BeginQuickOperationAsync(string kind, Caller caller, Machine machine, CancellationToken ct)
    {
        var operation = NewOperation(kind, caller, machine.Id, Clock.Now());
        await operations.InsertAsync(operation, ct);
        return operation;
    }
}
