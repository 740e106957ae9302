using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Tenancy;

namespace CloudPortal.Core.Placement;

/// <summary>The administrator's trust settings between tenants and hosts: dedicated hosts and tenants kept apart.</summary>
public sealed class TrustService(ITrustStore trust, ITenantStore tenants, IHostStore hosts, PolicyConflicts conflicts, IAuditLog audit)
{
    /// <summary>Every tenant's isolation, the dedicated hosts and the pairs kept apart: the administrator's trust page.</summary>
    public Task<TrustSettings> LoadAsync(Caller caller, CancellationToken ct)
    {
        EnsureAdmin(caller);
        return trust.LoadAsync(ct);
    }

    public Task AssignHostAsync(Caller caller, Guid hostId, Guid tenantId, CancellationToken ct) =>
        audit.RunAsync(caller, "host.assign", "host", hostId.ToString(), $"tenant {tenantId}", async () =>
        {
            await EnsureAsync(caller, hostId, tenantId, ct);
            await conflicts.EnsureAssignAsync(hostId, tenantId, ct);
            await trust.AssignHostAsync(hostId, tenantId, ct);
        }, ct);

    public Task UnassignHostAsync(Caller caller, Guid hostId, Guid tenantId, CancellationToken ct) =>
        audit.RunAsync(caller, "host.unassign", "host", hostId.ToString(), $"tenant {tenantId}", async () =>
        {
            await EnsureAsync(caller, hostId, tenantId, ct);
            await conflicts.EnsureUnassignAsync(hostId, tenantId, ct);
            // Idempotent like any DELETE: an assignment that is not there is already removed.
            await trust.UnassignHostAsync(hostId, tenantId, ct);
        }, ct);

    public Task KeepApartAsync(Caller caller, Guid tenantId, Guid otherId, CancellationToken ct) =>
        audit.RunAsync(caller, "tenant.apart", "tenant", tenantId.ToString(), $"tenant {otherId}", async () =>
        {
            await EnsureTenantsAsync(caller, tenantId, otherId, ct);
            await conflicts.EnsureApartAsync(tenantId, otherId, ct);
            await trust.KeepApartAsync(tenantId, otherId, ct);
        }, ct);

    public Task RemoveApartAsync(Caller caller, Guid tenantId, Guid otherId, CancellationToken ct) =>
        audit.RunAsync(caller, "tenant.together", "tenant", tenantId.ToString(), $"tenant {otherId}", async () =>
        {
            await EnsureTenantsAsync(caller, tenantId, otherId, ct);
            await trust.RemoveApartAsync(tenantId, otherId, ct);
        }, ct);

    private async Task EnsureAsync(Caller caller, Guid hostId, Guid tenantId, CancellationToken ct)
    {
        EnsureAdmin(caller);
        _ = await hosts.GetAsync(hostId, ct) ?? throw new NotFoundException($"Host {hostId} was not found.");
        _ = await tenants.GetAsync(tenantId, ct) ?? throw new NotFoundException($"Tenant {tenantId} was not found.");
    }

    private async Task EnsureTenantsAsync(Caller caller, Guid tenantId, Guid otherId, CancellationToken ct)
    {
        EnsureAdmin(caller);
        _ = await tenants.GetAsync(tenantId, ct) ?? throw new NotFoundException($"Tenant {tenantId} was not found.");
        _ = await tenants.GetAsync(otherId, ct) ?? throw new NotFoundException($"Tenant {otherId} was not found.");
        // A policy that contradicts itself is refused when set (409), like a hard anti-affinity group larger than its hosts.
        if (tenantId == otherId)
            throw new ConflictException("A tenant cannot be kept apart from itself.");
    }

    private static void EnsureAdmin(Caller caller)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators set trust policies.");
    }
}
