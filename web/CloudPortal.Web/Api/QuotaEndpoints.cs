using System.Security.Claims;
using CloudPortal.Core.Quotas;
using CloudPortal.Web.Accounts;

namespace CloudPortal.Web.Api;

public static class QuotaEndpoints
{
    public static RouteGroupBuilder MapQuotaEndpoints(this RouteGroupBuilder api)
    {
        var tenants = api.MapGroup("/tenants/{id:guid}/quota").WithTags("Quotas");

        tenants.MapGet("/", async (Guid id, ClaimsPrincipal user, QuotaService service, CancellationToken ct) =>
            QuotaDto.From(await service.GetAsync(user.ToCaller(), id, ct)))
            .WithSummary("The tenant's limits (null = unlimited), usage (defined and running) and reservations; members and admins.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        tenants.MapPut("/", async (Guid id, QuotaLimits? body, ClaimsPrincipal user, QuotaService service, CancellationToken ct) =>
            QuotaDto.From(await service.SetAsync(user.ToCaller(), id, body ?? QuotaLimits.Unlimited, ct)))
            .WithSummary("Set the tenant's limits (admin); absent or null = unlimited, 0 = nothing. Lowering below use is allowed: \"over\" lists what is now over.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        tenants.MapGet("/history", async (Guid id, ClaimsPrincipal user, QuotaService service, CancellationToken ct) =>
            (await service.HistoryAsync(user.ToCaller(), id, ct)).Select(QuotaChangeDto.From).ToList())
            .WithSummary("Changes of the tenant's quota, newest first: who, when, old → new (old null = it had the default quota).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        tenants.MapPost("/recompute", async (Guid id, ClaimsPrincipal user, QuotaService service, CancellationToken ct) =>
        {
            var drift = await service.RecomputeAsync(user.ToCaller(), id, ct);
            return new RecomputeDto(drift.Count == 0, drift.Select(d => new DriftDto(d.Resource.FieldName(), d.Recorded, d.Actual)).ToList());
        })
            .WithSummary("Rebuild the tenant's usage from its machines (admin); answers the drift found, which is fixed.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        var defaults = api.MapGroup("/quota-defaults").WithTags("Quotas");
        defaults.MapGet("/", async (ClaimsPrincipal user, QuotaService service, CancellationToken ct) =>
            await service.GetDefaultsAsync(user.ToCaller(), ct))
            .WithSummary("The default quota: that of every tenant without its own (admin).")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        defaults.MapPut("/", async (QuotaLimits? body, ClaimsPrincipal user, QuotaService service, CancellationToken ct) =>
            await service.SetDefaultsAsync(user.ToCaller(), body ?? QuotaLimits.Unlimited, ct))
            .WithSummary("Set the default quota (admin); applies at once to tenants without their own quota.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return api;
    }
}

public sealed record DefinedUsageDto(long Machines, long Vcpus, long MemoryMiB, long DiskGiB, long Volumes, long Snapshots, long Networks, long Images);
public sealed record RunningUsageDto(long Vcpus, long MemoryMiB);
public sealed record UsageDto(DefinedUsageDto Defined, RunningUsageDto Running)
{
    public static UsageDto From(QuotaAmounts a) => new(
        new DefinedUsageDto(a.Machines, a.Vcpus, a.MemoryMiB, a.DiskGiB, a.Volumes, a.Snapshots, a.Networks, a.Images),
        new RunningUsageDto(a.RunningVcpus, a.RunningMemoryMiB));
}

public sealed record QuotaDto(Guid TenantId, bool IsDefault, QuotaLimits Limits, UsageDto Usage, UsageDto Reserved, IReadOnlyList<string> Over)
{
    public static QuotaDto From(QuotaView v) => new(
        v.TenantId, v.IsDefault, v.Limits, UsageDto.From(v.Usage), UsageDto.From(v.Reserved), v.Over.Select(r => r.FieldName()).ToList());
}

public sealed record QuotaChangeDto(long Id, Guid? TenantId, Guid? UserId, string? Username, QuotaLimits? Old, QuotaLimits New, DateTimeOffset At)
{
    public static QuotaChangeDto From(QuotaChange c) => new(c.Id, c.TenantId, c.UserId, c.Username, c.Old, c.New, c.At);
}

public sealed record DriftDto(string Resource, long Recorded, long Actual);
public sealed record RecomputeDto(bool Consistent, IReadOnlyList<DriftDto> Drift);
