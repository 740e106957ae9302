using CloudPortal.Core.Common;

namespace CloudPortal.Core.Audit;

/// <summary>Reading the audit log: cloud administrators see all of it, a tenant-admin only the own tenant's entries.</summary>
public sealed class AuditService(IAuditStore store)
{
    public Task<Page<AuditEntry>> QueryAsync(Caller caller, AuditQuery query, PageRequest page, CancellationToken ct) =>
        store.QueryAsync(Scope(caller, query), page, ct);

    /// <summary>The query as the caller may run it: a tenant-admin's tenant filter is forced to the own tenant.</summary>
    public static AuditQuery Scope(Caller caller, AuditQuery query) => caller.Role switch
    {
        Roles.Admin => query,
        Roles.TenantAdmin => query with { TenantId = caller.TenantId },
        _ => throw new ForbiddenException($"Role '{caller.Role}' may not read the audit log."),
    };

    public static bool MayRead(string role) => role is Roles.Admin or Roles.TenantAdmin;
}
