using CloudPortal.Core.Common;

namespace CloudPortal.Core.Placement;

/// <summary>
/// Refuses, when they are set, policies that contradict each other or the groups they would apply to: a dedicated
/// tenant without hosts, a strict anti-affinity group with more machines than hosts its tenant may use. A 409 that
/// names the numbers, so an administrator sees what to change; nothing is stored when refused.
/// </summary>
public sealed class PolicyConflicts(ITrustStore trust, IPlacementGroupStore groups, HostPlacement placement)
{
    /// <summary>Before machines join a strict anti-affinity group: one host per machine must be left to the tenant.</summary>
    public async Task EnsureGroupCanTakeAsync(Guid tenantId, GroupPlacement? group, int adding, CancellationToken ct)
    {
        if (group is not { StrictAntiAffinity: true })
            return;
        var settings = await trust.LoadAsync(ct);
        var allowance = await placement.AllowanceAsync(tenantId, settings, ct);
        var needed = group.Members + adding;
        if (needed > allowance.Allowed)
            throw new ConflictException(
                $"Placement group '{group.Name}' is strict anti-affinity: {needed} machines need {needed} hosts (it holds {group.Members}, " +
                $"{adding} more asked), but tenant {settings.NameOf(tenantId)} may use {allowance.Describe()}.");
    }

    public async Task EnsureIsolationAsync(Guid tenantId, string isolation, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        if (isolation == TenantIsolation.Dedicated && settings.HostsAssignedTo(tenantId) == 0)
            throw new ConflictException(
                $"Tenant {settings.NameOf(tenantId)} cannot be dedicated: 0 hosts are assigned to it, so its machines could go nowhere. " +
                "Assign hosts first (PUT /api/v1/hosts/{id}/tenants/{tenantId}), then make it dedicated.");
        await EnsureGroupsFitAsync(settings, settings.WithIsolation(tenantId, isolation), $"Making tenant {settings.NameOf(tenantId)} {isolation}", ct);
    }

    public async Task EnsureAssignAsync(Guid hostId, Guid tenantId, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        await EnsureGroupsFitAsync(settings, settings.WithHost(hostId, tenantId), $"Assigning the host to tenant {settings.NameOf(tenantId)}", ct);
    }

    public async Task EnsureUnassignAsync(Guid hostId, Guid tenantId, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        if (settings.DedicatedOwnerOf(hostId) == tenantId && settings.HostsAssignedTo(tenantId) == 1)
            throw new ConflictException(
                $"The host is the only one of the 1 host assigned to dedicated tenant {settings.NameOf(tenantId)}: without it the tenant's " +
                "machines could go nowhere. Assign another host first, or make the tenant shared or exclusive.");
        await EnsureGroupsFitAsync(settings, settings.WithoutHost(hostId), $"Removing the host from tenant {settings.NameOf(tenantId)}", ct);
    }

    public async Task EnsureApartAsync(Guid tenantId, Guid otherId, CancellationToken ct)
    {
        var settings = await trust.LoadAsync(ct);
        await EnsureGroupsFitAsync(settings, settings.WithApart(tenantId, otherId),
            $"Keeping tenants {settings.NameOf(tenantId)} and {settings.NameOf(otherId)} apart", ct);
    }

    /// <summary>
    /// Every strict anti-affinity group must keep a host per machine. A group already short (a host went into
    /// maintenance) does not block an unrelated change: only a change that takes hosts from a group's tenant does.
    /// </summary>
    private async Task EnsureGroupsFitAsync(TrustSettings current, TrustSettings proposed, string change, CancellationToken ct)
    {
        var now = new Dictionary<Guid, HostAllowance>();
        var then = new Dictionary<Guid, HostAllowance>();
        foreach (var group in await groups.ListStrictAntiAffinityAsync(ct))
        {
            if (!then.TryGetValue(group.TenantId, out var after))
            {
                then[group.TenantId] = after = await placement.AllowanceAsync(group.TenantId, proposed, ct);
                now[group.TenantId] = await placement.AllowanceAsync(group.TenantId, current, ct);
            }
            if (group.Members > after.Allowed && after.Allowed < now[group.TenantId].Allowed)
                throw new ConflictException(
                    $"{change} conflicts with placement group '{group.Name}' of tenant {current.NameOf(group.TenantId)}: it is strict anti-affinity " +
                    $"with {group.Members} machines, which need {group.Members} hosts, and the tenant could then use only {after.Describe()}.");
        }
    }
}
