using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Quotas;

/// <summary>
/// Periodically compares every tenant's recorded usage with what its machines add up to. Drift is a bug, so it is
/// logged as an error and left for an administrator's recompute rather than silently repaired.
/// </summary>
public sealed class QuotaDriftCheck(IQuotaStore store, ILogger<QuotaDriftCheck> log) : BackgroundService
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
                await CheckAllAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Returns the number of tenants with drift.</summary>
    public async Task<int> CheckAllAsync(CancellationToken ct)
    {
        var drifting = 0;
        foreach (var (id, name) in await store.ListTenantsAsync(ct))
        {
            try
            {
                var drift = await store.RecomputeAsync(id, fix: false, ct);
                if (drift.Count == 0)
                    continue;
                drifting++;
                log.LogError("Quota drift in tenant {Tenant} ({TenantId}): {Drift}", name, id, QuotaService.Describe(drift));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                log.LogWarning("Quota drift check of tenant {Tenant} failed: {Message}", name, ex.Message);
            }
        }
        return drifting;
    }
}
