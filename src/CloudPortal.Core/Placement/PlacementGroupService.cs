using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Placement;

/// <summary>A tenant's placement groups: made and deleted by those who may change machines, seen by every member.</summary>
public sealed class PlacementGroupService(IPlacementGroupStore groups, IAuditLog audit)
{
    public Task<IReadOnlyList<PlacementGroup>> ListAsync(Caller caller, CancellationToken ct) => groups.ListAsync(caller.TenantId, ct);

    /// <summary>The names of the machines in each of the caller's tenant's groups.</summary>
    public Task<ILookup<Guid, string>> MemberNamesAsync(Caller caller, CancellationToken ct) => groups.MemberNamesAsync(caller.TenantId, ct);

    public static bool MayChange(Caller caller) => Roles.MayChangeMachines(caller.Role);

    public async Task<PlacementGroup> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var group = await groups.GetAsync(id, ct);
        // Another tenant's group is reported exactly like one that does not exist.
        if (group is null || (group.TenantId != caller.TenantId && !caller.IsAdmin))
            throw new NotFoundException($"Placement group {id} was not found.");
        return group;
    }

    public Task<PlacementGroup> CreateAsync(Caller caller, string? name, string? policy, bool? strict, CancellationToken ct) =>
        audit.RunAsync(caller, "placement-group.create", "placement-group", null, name, async () =>
        {
            EnsureMayChange(caller);
            var errors = new ValidationErrors();
            MachineRequestRules.ValidateName(name, errors);
            if (policy is null)
                errors.Add("policy", "policy is required.");
            else if (!PlacementGroupPolicies.All.Contains(policy, StringComparer.Ordinal))
                errors.Add("policy", $"policy must be one of {string.Join(", ", PlacementGroupPolicies.All)}.");
            if (strict is null)
                errors.Add("strict", "strict is required: true for a rule, false for a preference.");
            errors.ThrowIfAny();
            var group = new PlacementGroup
            {
                Id = Guid.NewGuid(), TenantId = caller.TenantId, Name = name!, Policy = policy!, Strict = strict!.Value, CreatedAt = Clock.Now(),
            };
            await groups.InsertAsync(group, ct);
            return group;
        }, g => $"id {g.Id}, {(g.Strict ? "strict" : "soft")} {g.Policy}", ct);

    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "placement-group.delete", "placement-group", id.ToString(), null, async () =>
        {
            EnsureMayChange(caller);
            await GetAsync(caller, id, ct);
            await groups.DeleteAsync(id, ct);
        }, ct);

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change placement groups.");
    }
}
