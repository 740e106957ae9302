using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Quotas;

namespace CloudPortal.Core.Sizes;

/// <summary>Sizes: defined and deleted by cloud administrators, offered to every member of the tenants they are for.</summary>
public sealed class SizeService(ISizeStore sizes, IAuditLog audit)
{
    public const int MaxDiskGiB = 64 * 1024;

    /// <summary>Administrators see every size (to manage them); everyone else the public ones and their tenant's.</summary>
    public Task<Page<Size>> ListAsync(Caller caller, PageRequest page, CancellationToken ct) =>
        sizes.ListAsync(caller.IsAdmin ? null : caller.TenantId, page, ct);

    /// <summary>Every size offered in the caller's tenant (public and its own), for the create dialog.</summary>
    public async Task<IReadOnlyList<Size>> OfferedAsync(Caller caller, CancellationToken ct)
    {
        var offered = new List<Size>();
        string? cursor = null;
        do
        {
            var page = await sizes.ListAsync(caller.TenantId, new PageRequest(PageRequest.MaxLimit, cursor, null), ct);
            offered.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);
        return offered;
    }

    public Task<Size> CreateAsync(Caller caller, SizeRequest request, CancellationToken ct) =>
        audit.RunAsync(caller, "size.create", "size", null, request.Name, async () =>
        {
            EnsureAdmin(caller);
            var size = Validate(request) with { Id = Guid.NewGuid(), CreatedAt = Clock.Now() };
            await sizes.InsertAsync(size, ct);
            return size;
        }, s => $"id {s.Id}, {s.Vcpus} vCPUs, {s.MemoryMiB} MiB, {s.DiskGiB} GiB, {(s.TenantId is { } t ? $"tenant {t}" : "public")}", ct);

    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "size.delete", "size", id.ToString(), null, async () =>
        {
            EnsureAdmin(caller);
            if (!await sizes.DeleteAsync(id, ct))
                throw new NotFoundException($"Size {id} was not found.");
        }, ct);

    /// <summary>The same bounds as a machine's: a size must be one a machine could be created with.</summary>
    public static Size Validate(SizeRequest request)
    {
        var errors = new ValidationErrors();
        MachineRequestRules.ValidateName(request.Name, errors);
        if (request.Vcpus is null)
            errors.Add("vcpus", "vcpus is required.");
        else if (request.Vcpus is < MachineRequestRules.MinVcpus or > MachineRequestRules.MaxVcpus)
            errors.Add("vcpus", $"vcpus must be between {MachineRequestRules.MinVcpus} and {MachineRequestRules.MaxVcpus}.");
        if (request.MemoryMiB is null)
            errors.Add("memoryMiB", "memoryMiB is required.");
        else if (request.MemoryMiB is < MachineRequestRules.MinMemoryMiB or > MachineRequestRules.MaxMemoryMiB)
            errors.Add("memoryMiB", $"memoryMiB must be between {MachineRequestRules.MinMemoryMiB} and {MachineRequestRules.MaxMemoryMiB}.");
        if (request.DiskGiB is < 0 or > MaxDiskGiB)
            errors.Add("diskGiB", $"diskGiB must be between 0 (diskless) and {MaxDiskGiB}.");
        errors.ThrowIfAny();
        return new Size
        {
            Name = request.Name!, Vcpus = request.Vcpus!.Value, MemoryMiB = request.MemoryMiB!.Value, DiskGiB = request.DiskGiB ?? 0,
            TenantId = request.TenantId,
        };
    }

    /// <summary>Why the tenant's per-machine caps refuse this size, or null when it fits them.</summary>
    public static string? CapsRefusal(Size size, QuotaLimits limits)
    {
        var violations = QuotaRules.Violations(limits, QuotaAmounts.Zero, QuotaAmounts.Zero, new MachineSize(size.Vcpus, size.MemoryMiB, size.DiskGiB));
        return violations.Count == 0 ? null : string.Join("; ", violations);
    }

    private static void EnsureAdmin(Caller caller)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators define sizes.");
    }
}
