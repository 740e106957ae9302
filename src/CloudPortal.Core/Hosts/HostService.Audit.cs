using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Hosts;

public sealed partial class HostService
{
    /// <summary>
    /// Adds a host and starts connecting to it. A host that is down is still added (and shown unreachable,
    /// retried with backoff): registering a host before it is up is normal in a cloud. Audited as host.add.
    /// </summary>
    public async Task<HostView> AddAsync(Caller caller, string? name, string? uri, CancellationToken ct)
    {
        try
        {
            var view = await AddUnauditedAsync(caller, name, uri, ct);
            await audit.RecordAsync(caller, AuditActions.HostAdd, "host", view.Host.Id.ToString(), view.Host.Name,
                AuditResults.Succeeded, view.Host.Uri, ct);
            return view;
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(caller, AuditActions.HostAdd, "host", null, name, AuditedFailure.ResultOf(ex),
                $"{uri}: {ex.Message}", ct);
            throw;
        }
    }

    /// <summary>Changes a host's capacity settings (maintenance, overcommit, reserve, labels). Audited as host.update.</summary>
    public async Task<HostView> UpdateAsync(Caller caller, Guid id, HostCapacityPatch patch, CancellationToken ct)
    {
        try
        {
            var view = await UpdateUnauditedAsync(caller, id, patch, ct);
            var c = view.Host;
            await audit.RecordAsync(caller, AuditActions.HostUpdate, "host", id.ToString(), c.Name, AuditResults.Succeeded,
                $"maintenance={c.Maintenance} cpuOvercommit={c.CpuOvercommit} memoryOvercommit={c.MemoryOvercommit} reservedMemoryMiB={c.ReservedMemoryMiB} labels=[{string.Join(",", c.Labels)}]", ct);
            return view;
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(caller, AuditActions.HostUpdate, "host", id.ToString(), null, AuditedFailure.ResultOf(ex), ex.Message, ct);
            throw;
        }
    }
}
