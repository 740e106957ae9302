using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Placement;

namespace CloudPortal.Core.Tenancy;

/// <summary>Tenants: created, renamed, disabled and deleted by cloud administrators; seen by their members.</summary>
public sealed class TenantService(ITenantStore tenants, IMembershipStore memberships, ITrustStore trust, PolicyConflicts conflicts, IAuditLog audit)
{
    public async Task<IReadOnlyList<Tenant>> ListAsync(Caller caller, CancellationToken ct)
    {
        var all = await tenants.ListAsync(ct);
        if (caller.IsAdmin)
            return all;
        var mine = (await memberships.ListByUserAsync(caller.UserId, ct)).Select(m => m.TenantId).ToHashSet();
        return all.Where(t => mine.Contains(t.Id) && !t.Disabled).ToList();
    }

    public async Task<Tenant> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var tenant = await tenants.GetAsync(id, ct);
        if (tenant is null || (!caller.IsAdmin && (tenant.Disabled || await memberships.GetRoleAsync(caller.UserId, id, ct) is null)))
            throw new NotFoundException($"Tenant {id} was not found.");
        return tenant;
    }

    public Task<Tenant> CreateAsync(Caller caller, string? name, CancellationToken ct) =>
        audit.RunAsync(caller, "tenant.create", "tenant", null, name, () => CreateCoreAsync(caller, name, ct), t => $"id {t.Id}", ct);

    private async Task<Tenant> CreateCoreAsync(Caller caller, string? name, CancellationToken ct)
    {
        EnsureAdmin(caller);
        var errors = new ValidationErrors();
        ValidateName(name, errors);
        errors.ThrowIfAny();
        var tenant = new Tenant { Id = Guid.NewGuid(), Name = name!, CreatedAt = Clock.Now() };
        await tenants.InsertAsync(tenant, ct);
        return tenant;
    }

    public Task<Tenant> UpdateAsync(Caller caller, Guid id, string? name, bool? disabled, CancellationToken ct) =>
        UpdateAsync(caller, id, name, disabled, null, ct);

    public Task<Tenant> UpdateAsync(Caller caller, Guid id, string? name, bool? disabled, string? isolation, CancellationToken ct) =>
        UpdateAsync(caller, id, name, disabled, isolation, null, ct);

    /// <param name="placementMode">"pack" or "spread" to override the cloud's mode, "cloud" to follow it again, null to leave it.</param>
    public Task<Tenant> UpdateAsync(Caller caller, Guid id, string? name, bool? disabled, string? isolation, string? placementMode, CancellationToken ct) =>
        audit.RunAsync(caller, "tenant.update", "tenant", id.ToString(), name, () => UpdateCoreAsync(caller, id, name, disabled, isolation, placementMode, ct),
            t => $"name {t.Name}, {(t.Disabled ? "disabled" : "active")}, isolation {t.Isolation}, placement {t.PlacementMode ?? CloudPlacementMode}", ct);

    /// <summary>The value of placementMode that drops a tenant's own mode: its machines follow the cloud's again.</summary>
    public const string CloudPlacementMode = "cloud";

    private async Task<Tenant> UpdateCoreAsync(Caller caller, Guid id, string? name, bool? disabled, string? isolation, string? placementMode, CancellationToken ct)
    {
        EnsureAdmin(caller);
        var tenant = await GetAsync(caller, id, ct);
        var errors = new ValidationErrors();
        if (name is not null)
            ValidateName(name, errors);
        if (isolation is not null && !TenantIsolation.All.Contains(isolation, StringComparer.Ordinal))
            errors.Add("isolation", $"isolation must be one of {string.Join(", ", TenantIsolation.All)}.");
        if (placementMode is not null && placementMode != CloudPlacementMode && PlacementModes.Parse(placementMode) is null)
            errors.Add("placementMode", $"placementMode must be one of {string.Join(", ", PlacementModes.All)} or {CloudPlacementMode} (follow the cloud's).");
        errors.ThrowIfAny();
        if (isolation is not null && isolation != tenant.Isolation)
            await conflicts.EnsureIsolationAsync(id, isolation, ct);
        if (placementMode is not null && placementMode != (tenant.PlacementMode ?? CloudPlacementMode))
            await trust.SetPlacementModeAsync(id, PlacementModes.Parse(placementMode), ct);
        // Only new placements follow a changed policy; machines already placed stay until they move (then it is checked again).
        if (isolation is not null && isolation != tenant.Isolation)
            await trust.SetIsolationAsync(id, isolation, ct);
        if (disabled == true && id == DefaultTenant.Id)
            throw new ConflictException("The default tenant cannot be disabled: it is where administrators act.");
        if (name is not null && name != tenant.Name)
            await tenants.RenameAsync(id, name, ct);
        if (disabled is { } d && d != tenant.Disabled)
            await tenants.SetDisabledAsync(id, d, ct);
        return await GetAsync(caller, id, ct);
    }

    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "tenant.delete", "tenant", id.ToString(), null, () => DeleteCoreAsync(caller, id, ct), ct);

    private async Task DeleteCoreAsync(Caller caller, Guid id, CancellationToken ct)
    {
        EnsureAdmin(caller);
        await GetAsync(caller, id, ct);
        if (id == DefaultTenant.Id)
            throw new ConflictException("The default tenant cannot be deleted.");
        await tenants.DeleteAsync(id, ct);
    }

    private static void ValidateName(string? name, ValidationErrors errors) => MachineRequestRules.ValidateName(name, errors);

    private static void EnsureAdmin(Caller caller)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators manage tenants.");
    }
}
