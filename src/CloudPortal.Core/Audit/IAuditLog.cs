using CloudPortal.Core.Common;

namespace CloudPortal.Core.Audit;

/// <summary>
/// Writes audit entries. Never throws: an audit write that fails must not hide the outcome of the change it
/// describes (a failure is logged instead, as an error when the change itself succeeded).
/// </summary>
public interface IAuditLog
{
    /// <summary>An entry for a signed-in caller: user, tenant and address come from <paramref name="caller"/>.</summary>
    Task RecordAsync(Caller? caller, string action, string targetType, string? targetId, string? targetName,
        string result, string? detail, CancellationToken ct);

    /// <summary>An entry built by hand (e.g. a failed sign-in: attempted username, no tenant).</summary>
    Task RecordAsync(AuditEntry entry, CancellationToken ct);
}
