using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;

namespace CloudPortal.Core.Tenancy;

/// <summary>
/// Decides, on every request, what a signed-in user may do in the tenant it acts in. Read fresh each time,
/// so that disabling a user or tenant, or changing a role, takes effect at once, not at the next sign-in.
/// </summary>
public sealed class AccessResolver(IUserStore users, ITenantStore tenants, IMembershipStore memberships)
{
    /// <summary>The caller, or null when the user is gone or disabled.</summary>
    /// <exception cref="NotFoundException">The tenant does not exist, is disabled, or the user does not belong to it.</exception>
    public async Task<Caller?> ResolveAsync(Guid userId, Guid tenantId, string? address, CancellationToken ct)
    {
        var user = await users.GetAsync(userId, ct);
        if (user is null || user.Disabled)
            return null;
        return await ResolveAsync(user, tenantId, address, ct);
    }

    public async Task<Caller> ResolveAsync(User user, Guid tenantId, string? address, CancellationToken ct)
    {
        var tenant = await tenants.GetAsync(tenantId, ct);
        // A tenant the user may not see is reported exactly like one that does not exist.
        var notFound = new NotFoundException($"Tenant {tenantId} was not found.");
        if (tenant is null)
            throw notFound;
        if (user.IsAdmin)
            return new Caller(user.Id, user.Username, tenant.Id, Roles.Admin, address);
        if (tenant.Disabled)
            throw notFound;
        var role = await memberships.GetRoleAsync(user.Id, tenantId, ct) ?? throw notFound;
        return new Caller(user.Id, user.Username, tenant.Id, role, address);
    }

    /// <summary>Where a user acts by default: the home tenant if still reachable, else the first tenant it belongs to.</summary>
    public async Task<Guid?> DefaultTenantAsync(User user, CancellationToken ct)
    {
        if (user.IsAdmin)
            return user.TenantId;
        var mine = await memberships.ListByUserAsync(user.Id, ct);
        var usable = new List<Membership>();
        foreach (var m in mine)
        {
            if (await tenants.GetAsync(m.TenantId, ct) is { Disabled: false })
                usable.Add(m);
        }
        return usable.FirstOrDefault(m => m.TenantId == user.TenantId)?.TenantId ?? usable.FirstOrDefault()?.TenantId;
    }
}
