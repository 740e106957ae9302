using System.Collections.Concurrent;
using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudPortal.Core.Networks;

/// <summary>
/// A tenant's security groups. A change of rules is rendered to the group's nwfilter and redefined on every host
/// that has it: libvirt rewrites the rules of the running guests' NICs at once, no restart.
/// </summary>
public sealed class SecurityGroupService(ISecurityGroupStore groups, INetworkStore networks, HostConnections connections, IAuditLog audit,
    ILogger<SecurityGroupService>? logger = null)
{
    private readonly ILogger log = logger ?? (ILogger)NullLogger.Instance;
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _locks = new();

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
                try
                {
                    await connections.RunAsync(hostId, connection =>
                    {
                        using var filter = connection.LookupNWFilterByName(NetworkNames.Filter(id));
                        filter?.Undefine();
                    }, ct);
                    await networks.ForgetHostAsync(id, hostId, ct);
                }
                catch (Exception ex) when (ex is HostUnavailableException or LibvirtSharp.LibvirtException)
                {
                    // The record stays: the host's filter is removed when it reconnects (ConvergeHostAsync).
                    log.LogWarning("The filter of deleted security group {Group} ({Id}) could not be removed from host {HostId} now: {Message}; it will be when the host reconnects",
                        group.Name, id, hostId, ex.Message);
                }
            }
        }, ct);

    public Task<SecurityGroupChange> AddRuleAsync(Caller caller, Guid groupId, SecurityRuleRequest request, CancellationToken ct) =>
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
            // The database is the truth about what was asked for: the rule stays saved even when a host cannot take
            // it now; that host gets it when it reconnects (ConvergeHostAsync).
            await groups.AddRuleAsync(rule, ct);
            var updated = group with { Rules = [.. group.Rules, rule] };
            return new SecurityGroupChange(updated, await ApplyAsync(updated, ct));
        }, c => $"{Describe(c.Group.Rules[^1])}{Pending(c)}", ct);

    public Task<SecurityGroupChange> RemoveRuleAsync(Caller caller, Guid groupId, Guid ruleId, CancellationToken ct) =>
        audit.RunAsync(caller, "security-group.rule-remove", "security-group", groupId.ToString(), null, async () =>
        {
            EnsureMayChange(caller);
            var group = await GetAsync(caller, groupId, ct);
            if (!await groups.RemoveRuleAsync(groupId, ruleId, ct))
                throw new NotFoundException($"Rule {ruleId} was not found in security group '{group.Name}'.");
            var updated = group with { Rules = group.Rules.Where(r => r.Id != ruleId).ToList() };
            return new SecurityGroupChange(updated, await ApplyAsync(updated, ct));
        }, c => $"rule {ruleId}{Pending(c)}", ct);

    private static string Describe(SecurityGroupRule rule) =>
        $"{rule.Protocol} {rule.PortFrom}-{rule.PortTo} from {rule.SourceCidr ?? rule.SourceGroupId.ToString()}";

    private static string Pending(SecurityGroupChange change) => change.PendingHosts.Count == 0 ? ""
        : $"; pending on {string.Join(", ", change.PendingHosts.Select(h => h.HostId))} until they reconnect";

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
        await networks.RecordOnHostAsync(group.Id, hostId, ct);
        using (await LockAsync(group.Id, ct))
        {
            var xml = await RenderAsync(await groups.GetAsync(group.Id, ct) ?? group, ct);
            await connections.RunAsync(hostId, connection => connection.DefineNWFilterXml(xml).Dispose(), ct);
        }
    }

    /// <summary>
    /// Redefines the filter on every host that has it; running guests get the new rules at once. Every host is tried:
    /// one that cannot be reached (or refuses) is returned as pending and converges when it reconnects.
    /// </summary>
    public async Task<IReadOnlyList<PendingHost>> ApplyAsync(SecurityGroup group, CancellationToken ct)
    {
        var pending = new List<PendingHost>();
        using (await LockAsync(group.Id, ct))
        {
            // Rendered from the database inside the group's lock, not from the caller's copy: two changes racing (or a
            // change racing a host's convergence) then leave every host with the last saved rules, none lost.
            var xml = await RenderAsync(await groups.GetAsync(group.Id, ct) ?? group, ct);
            foreach (var hostId in await networks.HostsOfAsync(group.Id, ct))
            {
                try
                {
                    await connections.RunAsync(hostId, connection => connection.DefineNWFilterXml(xml).Dispose(), ct);
                }
                catch (Exception ex) when (ex is HostUnavailableException or LibvirtSharp.LibvirtException)
                {
                    log.LogWarning("Security group {Group} ({Id}) could not be updated on host {HostId} now: {Message}; it will be when the host reconnects",
                        group.Name, group.Id, hostId, ex.Message);
                    pending.Add(new PendingHost(hostId, ex.Message));
                }
            }
        }
        return pending;
    }

    /// <summary>After a machine joined <paramref name="groupId"/>: groups that allow traffic from it must learn its address.</summary>
    public async Task ApplyReferrersAsync(Guid tenantId, Guid groupId, CancellationToken ct)
    {
        foreach (var group in await groups.ListAsync(tenantId, ct))
            if (group.Rules.Any(r => r.SourceGroupId == groupId))
                await ApplyAsync(group, ct);
    }

    /// <summary>
    /// A host (re)connected: every portal filter it should have is redefined from the database, so changes made while
    /// it was away reach it; filters of groups deleted meanwhile are removed. Only the groups recorded on that host or
    /// used by machines placed on it are touched (one define each, a no-op for libvirt when nothing changed), not all
    /// groups: a filter on a host that runs none of the group's machines would only be clutter to clean up later.
    /// </summary>
    public async Task<int> ConvergeHostAsync(Guid hostId, CancellationToken ct)
    {
        var recorded = await networks.ObjectsOnHostAsync(hostId, ct);
        var used = await groups.UsedOnHostAsync(hostId, ct);
        int defined = 0;
        foreach (var id in recorded.Union(used).Distinct())
        {
            if (await groups.GetAsync(id, ct) is { } group)
            {
                await DefineOnHostAsync(group, hostId, ct);
                defined++;
            }
            else if (recorded.Contains(id) && await networks.GetAsync(id, ct) is null)
            {
                // Neither a group nor a network any more: a group deleted while this host was away.
                // (A deleted network's record also lands here: it has no filter of that name, and its record is kept.)
                var name = NetworkNames.Filter(id);
                bool removed = await connections.RunAsync(hostId, connection =>
                {
                    using var filter = connection.LookupNWFilterByName(name);
                    filter?.Undefine();
                    return filter is not null;
                }, ct);
                if (removed)
                {
                    log.LogInformation("Removed filter {Filter} of a security group deleted while host {HostId} was away", name, hostId);
                    await networks.ForgetHostAsync(id, hostId, ct);
                }
            }
        }
        return defined;
    }

    private async Task<IDisposable> LockAsync(Guid groupId, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(groupId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change security groups.");
    }
}

/// <summary>A host that could not take a security-group change yet, and why; it gets the change when it reconnects.</summary>
public sealed record PendingHost(Guid HostId, string Reason);

/// <summary>A saved rule change: the group as it now is, and the hosts that still have the old rules.</summary>
public sealed record SecurityGroupChange(SecurityGroup Group, IReadOnlyList<PendingHost> PendingHosts);
