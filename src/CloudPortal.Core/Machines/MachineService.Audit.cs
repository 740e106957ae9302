using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Machines;

/// <summary>
/// The public entry points for changes: each records one audit entry for the request (succeeded, or failed/denied
/// with the error's message) around the unaudited work. Kept apart so the work itself stays readable.
/// </summary>
public sealed partial class MachineService
{
    private const string AuditTarget = "machine";

    /// <summary>Validates, picks a host, records the machine and its create operation, and starts the work.</summary>
    public async Task<(Machine Machine, Operation Operation)> CreateAsync(Caller caller, MachineRequest request, CancellationToken ct)
    {
        try
        {
            var created = await CreateUnauditedAsync(caller, request, ct);
            await audit.RecordAsync(caller, AuditActions.MachineCreate, AuditTarget, created.Machine.Id.ToString(), created.Machine.Name,
                AuditResults.Succeeded, $"{created.Machine.Vcpus} vCPUs, {created.Machine.MemoryMiB} MiB; operation {created.Operation.Id}", ct);
            return created;
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(caller, AuditActions.MachineCreate, AuditTarget, null, request.Name, AuditedFailure.ResultOf(ex), ex.Message, ct);
            throw;
        }
    }

    public Task<Operation> DeleteAsync(Caller caller, Guid id, CancellationToken ct) => DeleteAsync(caller, id, keepVolumes: false, ct);

    /// <summary>Deletes the machine and its root disk; its data volumes too unless <paramref name="keepVolumes"/>.</summary>
    public async Task<Operation> DeleteAsync(Caller caller, Guid id, bool keepVolumes, CancellationToken ct)
    {
        try
        {
            var operation = await DeleteUnauditedAsync(caller, id, keepVolumes, ct);
            await audit.RecordAsync(caller, AuditActions.MachineDelete, AuditTarget, id.ToString(), await VisibleNameAsync(caller, id),
                AuditResults.Succeeded, $"operation {operation.Id}", ct);
            return operation;
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(caller, AuditActions.MachineDelete, AuditTarget, id.ToString(), await VisibleNameAsync(caller, id),
                AuditedFailure.ResultOf(ex), ex.Message, ct);
            throw;
        }
    }

    /// <summary>Carries out a quick action at once and returns the machine in the state libvirt reports after it.</summary>
    public async Task<Machine> ActAsync(Caller caller, Guid id, MachineAction action, CancellationToken ct)
    {
        var auditAction = AuditActions.Machine(action.ToString());
        try
        {
            var after = await ActUnauditedAsync(caller, id, action, ct);
            await audit.RecordAsync(caller, auditAction, AuditTarget, id.ToString(), after.Name, AuditResults.Succeeded,
                $"now {after.State.ToContractName()}", ct);
            return after;
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(caller, auditAction, AuditTarget, id.ToString(), await VisibleNameAsync(caller, id),
                AuditedFailure.ResultOf(ex), ex.Message, ct);
            throw;
        }
    }

    /// <summary>Graceful shutdown: the machine is stopping at once, powered off at the deadline if the guest does not stop by itself.</summary>
    public Task<(Machine Machine, Operation Operation)> ShutdownAsync(Caller caller, Guid id, int? timeoutSeconds, CancellationToken ct) =>
        AuditedChangeAsync(caller, id, AuditActions.Machine("shutdown"), () => ShutdownUnauditedAsync(caller, id, timeoutSeconds, ct),
            r => $"now {r.Machine.State.ToContractName()}; operation {r.Operation.Id}", ct);

    public Task<(Machine Machine, Operation Operation)> RenameAsync(Caller caller, Guid id, string? name, CancellationToken ct) =>
        AuditedChangeAsync(caller, id, AuditActions.Machine("rename"), () => RenameUnauditedAsync(caller, id, name, ct),
            r => $"renamed to '{r.Machine.Name}'", ct);

    public Task<(Machine Machine, Operation Operation)> ResizeAsync(Caller caller, Guid id, int? vcpus, int? memoryMiB, CancellationToken ct) =>
        AuditedChangeAsync(caller, id, AuditActions.Machine("resize"), () => ResizeUnauditedAsync(caller, id, vcpus, memoryMiB, ct),
            r => $"now {r.Machine.Vcpus} vCPUs, {r.Machine.MemoryMiB} MiB", ct);

    private async Task<T> AuditedChangeAsync<T>(Caller caller, Guid id, string action, Func<Task<T>> change, Func<T, string> detail, CancellationToken ct)
    {
        // The name before the change: a rename's entry is found under the name people knew.
        var before = await VisibleNameAsync(caller, id);
        try
        {
            var result = await change();
            await audit.RecordAsync(caller, action, AuditTarget, id.ToString(), before, AuditResults.Succeeded, detail(result), ct);
            return result;
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(caller, action, AuditTarget, id.ToString(), before, AuditedFailure.ResultOf(ex), ex.Message, ct);
            throw;
        }
    }

    /// <summary>
    /// The machine's name for the audit entry, only when the caller may see the machine: an entry in the caller's
    /// tenant must not reveal another tenant's machine names. Never throws (it runs on failure paths).
    /// </summary>
    private async Task<string?> VisibleNameAsync(Caller caller, Guid id)
    {
        try
        {
            var machine = await machines.GetAsync(id, CancellationToken.None);
            return machine is not null && (machine.TenantId == caller.TenantId || caller.IsAdmin) ? machine.Name : null;
        }
        catch (Exception ex)
        {
            log.LogWarning(ex, "Could not look up machine {Id} for its audit entry", id);
            return null;
        }
    }
}
