using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Networks;

/// <summary>
/// A tenant's security groups. A change of rules is rendered to the group's nwfilter and redefined on every host
/// that has it: libvirt rewrites the rules of the running guests' NICs at once, no restart.
/// </summary>
public sealed class SecurityGroupService(ISecurityGroupStore groups, INetworkStore networks, HostConnections connections, IAuditLog audit)
{
    public const string DefaultName = "default";

    public async Task<IReadOnlyList<SecurityGroup>> ListAsync(Caller caller, CancellationToken ct)
    {
        if (Roles.MayChangeMachines(caller.Role))
            await EnsureDefaultAsync(caller.TenantId, ct);
        return await groups.ListAsync(caller.TenantId, ct);
    }

    public async Task<SecurityGroup> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var group = await groups.GetAsync(id, ct);
        if (group is null || (group.TenantId != caller.TenantId && !caller.IsAdmin))
            throw new NotFoundException($"Security group {id} was not found.");
        return group;
    }

    public Task<SecurityGroup> CreateAsync(Caller caller, string? name, CancellationToken ct) =>
        audit.RunAsync(caller, "security-group.create", "security-group", null, name, async () =>
        {
            EnsureMayChange(caller);
            var errors = new ValidationErrors();
            MachineRequestRules.ValidateName(name, errors);
            errors.ThrowIfAny();
            var group = new SecurityGroup { Id = Guid.NewGuid(), TenantId = caller.TenantId, Name = name!, CreatedAt = Clock.Now() };
            await groups.InsertAsync(group, ct);
            return group;
        }, g => $"id {g.Id}", ct);

    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "security-group.delete", "security-group", id.ToString(), null, async () =>
        {
            EnsureMayChange(caller);
            var group = await GetAsync(caller, id, ct);
            if (group.IsDefault)
                throw new ConflictException("The default security group cannot be deleted.");
            await groups.DeleteAsync(id, ct);
            foreach (var hostId in await networks.HostsOfAsync(id, ct))
            {
                await connections.RunAsync(hostId, connection =>
                {
                    using var filter = connection.LookupNWFilterByName(NetworkNames.Filter(id));
                    filter?.Undefine();
                }, ct);
                await networks.ForgetHostAsync(id, hostId, ct);
            }
        }, ct);

    public Task<SecurityGroup> AddRuleAsync(Caller caller, Guid groupId, SecurityRuleRequest request, CancellationToken ct) =>
        audit.RunAsync(caller, "security-group.rule-add", "security-group", groupId.ToString(), null, async () =>
        {
            EnsureMayChange(caller);
            var group = await GetAsync(caller, groupId, ct);
            var rule = SecurityGroupRules.Validate(groupId, request);
            if (rule.SourceGroupId is { } source && source != groupId)
            {
                var other = await groups.GetAsync(source, ct);
                if (other is null || other.TenantId != group.TenantId)
                    throw ValidationFailedException.For("sourceGroupId", $"Security group {source} was not found in this tenant.");
            }
            await groups.AddRuleAsync(rule, ct);
            var updated = group with { Rules = [.. group.Rules, rule] };
            await ApplyAsync(updated, ct);
            return updated;
        }, g => $"{g.Rules[^1].Protocol} {g.Rules[^1].PortFrom}-{g.Rules[^1].PortTo} from {g.Rules[^1].SourceCidr ?? g.Rules[^1].SourceGroupId.ToString()}", ct);

    public Task<SecurityGroup> RemoveRuleAsync(Caller caller, Guid groupId, Guid ruleId, CancellationToken ct) =>
        audit.RunAsync(caller, "security-group.rule-remove", "security-group", groupId.ToString(), null, async () =>
        {
            EnsureMayChange(caller);
            var group = await GetAsync(caller, groupId, ct);
            if (!await groups.RemoveRuleAsync(groupId, ruleId, ct))
                throw new NotFoundException($"Rule {ruleId} was not found in security group '{group.Name}'.");
            var updated = group with { Rules = group.Rules.Where(r => r.Id != ruleId).ToList() };
            await ApplyAsync(updated, ct);
            return updated;
        }, _ => $"rule {ruleId}", ct);

    /// <summary>
    /// The tenant's default group: inbound from its own members only (so a tenant's machines reach each other
    /// out of the box), everything else inbound dropped.
    /// </summary>
    public async Task<SecurityGroup> EnsureDefaultAsync(Guid tenantId, CancellationToken ct)
    {
        if (await groups.GetDefaultAsync(tenantId, ct) is { } existing)
            return existing;
        var id = Guid.NewGuid();
        var group = new SecurityGroup
        {
            Id = id, TenantId = tenantId, Name = DefaultName, IsDefault = true, CreatedAt = Clock.Now(),
            Rules = [new SecurityGroupRule { Id = Guid.NewGuid(), GroupId = id, Protocol = SecurityProtocols.All, SourceGroupId = id }],
        };
        try
        {
            await groups.InsertAsync(group, ct);
            return group;
        }
        catch (ConflictException)
        {
            return await groups.GetDefaultAsync(tenantId, ct)
                ?? throw new ConflictException($"The tenant has a security group named '{DefaultName}' that is not its default; rename or delete it.");
        }
    }

    /// <summary>The group's nwfilter XML, with group sources resolved to their machines' addresses.</summary>
    public async Task<string> RenderAsync(SecurityGroup group, CancellationToken ct)
    {
        var addresses = new Dictionary<Guid, IReadOnlyList<string>>();
        foreach (var source in group.Rules.Select(r => r.SourceGroupId).OfType<Guid>().Distinct())
            addresses[source] = await networks.AddressesOfGroupAsync(source, ct);
        return NwFilterXmlBuilder.Build(group, addresses);
    }

    /// <summary>Defines the group's filter on a host (new or redefined), and remembers it is there.</summary>
    public async Task DefineOnHostAsync(SecurityGroup group, Guid hostId, CancellationToken ct)
    {
        var xml = await RenderAsync(group, ct);
        await networks.RecordOnHostAsync(group.Id, hostId, ct);
        await connections.RunAsync(hostId, connection => connection.DefineNWFilterXml(xml).Dispose(), ct);
    }

    /// <summary>Redefines the filter on every host that has it; running guests get the new rules at once.</summary>
    public async Task ApplyAsync(SecurityGroup group, CancellationToken ct)
    {
        var xml = await RenderAsync(group, ct);
        foreach (var hostId in await networks.HostsOfAsync(group.Id, ct))
            await connections.RunAsync(hostId, connection => connection.DefineNWFilterXml(xml).Dispose(), ct);
    }

    /// <summary>After a machine joined <paramref name="groupId"/>: groups that allow traffic from it must learn its address.</summary>
    public async Task ApplyReferrersAsync(Guid tenantId, Guid groupId, CancellationToken ct)
    {
        foreach (var group in await groups.ListAsync(tenantId, ct))
            if (group.Rules.Any(r => r.SourceGroupId == groupId))
                await ApplyAsync(group, ct);
    }

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change security groups.");
    }
}
