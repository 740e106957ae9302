using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Quotas;

/// <summary>Who may see and change which quota; the arithmetic is in <see cref="QuotaRules"/>, the ledger in the store.</summary>
public sealed class QuotaService(IQuotaStore store, ILogger<QuotaService> log, IAuditLog audit)
{
    /// <summary>Members of the tenant and admins; another tenant's quota is reported as not found.</summary>
    public async Task<QuotaView> GetAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, tenantId, ct);
        return await store.GetViewAsync(tenantId, ct);
    }

    /// <summary>Admin only. Lowering below current use is allowed: the view returned says which resources are now over.</summary>
    public Task<QuotaView> SetAsync(Caller caller, Guid tenantId, QuotaLimits limits, CancellationToken ct) =>
        audit.RunAsync(caller, "quota.update", "tenant", tenantId.ToString(), null, () => SetCoreAsync(caller, tenantId, limits, ct), null, ct);

    private async Task<QuotaView> SetCoreAsync(Caller caller, Guid tenantId, QuotaLimits limits, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, tenantId, ct);
        EnsureAdmin(caller);
        await store.SetTenantLimitsAsync(tenantId, QuotaRules.Validate(limits), caller, ct);
        log.LogInformation("{User} set the quota of tenant {TenantId}", caller.Username, tenantId);
        return await store.GetViewAsync(tenantId, ct);
    }

    public async Task<QuotaLimits> GetDefaultsAsync(Caller caller, CancellationToken ct)
    {
        EnsureAdmin(caller);
        return await store.GetDefaultsAsync(ct);
    }

    public Task<QuotaLimits> SetDefaultsAsync(Caller caller, QuotaLimits limits, CancellationToken ct) =>
        audit.RunAsync(caller, "quota.defaults", "quota", null, "defaults", () => SetDefaultsCoreAsync(caller, limits, ct), null, ct);

    private async Task<QuotaLimits> SetDefaultsCoreAsync(Caller caller, QuotaLimits limits, CancellationToken ct)
    {
        EnsureAdmin(caller);
        await store.SetDefaultsAsync(QuotaRules.Validate(limits), caller, ct);
        log.LogInformation("{User} set the default quota", caller.Username);
        return await store.GetDefaultsAsync(ct);
    }

    public async Task<IReadOnlyList<QuotaChange>> HistoryAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, tenantId, ct);
        return await store.ListHistoryAsync(tenantId, 200, ct);
    }

    public async Task<IReadOnlyList<QuotaChange>> DefaultsHistoryAsync(Caller caller, CancellationToken ct)
    {
        EnsureAdmin(caller);
        return await store.ListHistoryAsync(null, 200, ct);
    }

    /// <summary>Admin: rebuilds the tenant's usage from its machines and returns the drift that was found (and fixed).</summary>
    public Task<IReadOnlyList<QuotaDrift>> RecomputeAsync(Caller caller, Guid tenantId, CancellationToken ct) =>
        audit.RunAsync(caller, "quota.recompute", "tenant", tenantId.ToString(), null, () => RecomputeCoreAsync(caller, tenantId, ct),
            drift => drift.Count == 0 ? "no drift" : $"{drift.Count} resources drifted, fixed", ct);

    private async Task<IReadOnlyList<QuotaDrift>> RecomputeCoreAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        await EnsureVisibleAsync(caller, tenantId, ct);
        EnsureAdmin(caller);
        var drift = await store.RecomputeAsync(tenantId, fix: true, ct);
        if (drift.Count > 0)
            log.LogError("Quota drift in tenant {TenantId} fixed by {User}: {Drift}", tenantId, caller.Username, Describe(drift));
        return drift;
    }

    /// <summary>Admin: every tenant with its quota view, for the all-tenants page.</summary>
    public async Task<IReadOnlyList<(Guid Id, string Name, QuotaView View)>> ListAllAsync(Caller caller, CancellationToken ct)
    {
        EnsureAdmin(caller);
        var result = new List<(Guid, string, QuotaView)>();
        foreach (var (id, name) in await store.ListTenantsAsync(ct))
            result.Add((id, name, await store.GetViewAsync(id, ct)));
        return result;
    }

    public static string Describe(IEnumerable<QuotaDrift> drift) =>
        string.Join("; ", drift.Select(d => $"{d.Resource.FieldName()}: recorded {d.Recorded}, actual {d.Actual}"));

    private async Task EnsureVisibleAsync(Caller caller, Guid tenantId, CancellationToken ct)
    {
        // Another tenant's quota is a 404, exactly like a tenant that does not exist.
        if ((!caller.IsAdmin && caller.TenantId != tenantId) || !await store.TenantExistsAsync(tenantId, ct))
            throw new NotFoundException($"Tenant {tenantId} was not found.");
    }

    private static void EnsureAdmin(Caller caller)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only a cloud administrator may change quotas.");
    }
}
