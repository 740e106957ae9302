using CloudPortal.Core.Common;

namespace CloudPortal.Core.Quotas;

/// <summary>Limits, the usage ledger and reservations. Every reservation is checked and taken in one write transaction.</summary>
public interface IQuotaStore
{
    Task<bool> TenantExistsAsync(Guid tenantId, CancellationToken ct);
    Task<IReadOnlyList<(Guid Id, string Name)>> ListTenantsAsync(CancellationToken ct);
    Task<QuotaLimits> GetDefaultsAsync(CancellationToken ct);
    /// <summary>Effective limits (the tenant's own row, else the default quota), usage and reservations.</summary>
    Task<QuotaView> GetViewAsync(Guid tenantId, CancellationToken ct);
    Task SetTenantLimitsAsync(Guid tenantId, QuotaLimits limits, Caller caller, CancellationToken ct);
    Task SetDefaultsAsync(QuotaLimits limits, Caller caller, CancellationToken ct);
    /// <summary>Newest first; tenantId null is the default quota's history.</summary>
    Task<IReadOnlyList<QuotaChange>> ListHistoryAsync(Guid? tenantId, int limit, CancellationToken ct);
    /// <summary>Holds the amounts for an in-flight request, or throws <see cref="QuotaExceededException"/>.</summary>
    Task ReserveAsync(Guid reservationId, Guid tenantId, Guid? machineId, string kind, QuotaAmounts amounts, MachineSize? size, CancellationToken ct);
    /// <summary>Drops a reservation (idempotent): the request failed, or its commit already removed it.</summary>
    Task ReleaseAsync(Guid reservationId, CancellationToken ct);
    /// <summary>Rebuilds the tenant's usage from its machines; returns what differed, and fixes it when asked.</summary>
    Task<IReadOnlyList<QuotaDrift>> RecomputeAsync(Guid tenantId, bool fix, CancellationToken ct);
}

public static class ReservationKinds
{
    public const string Create = "create";
    public const string Start = "start";
}
