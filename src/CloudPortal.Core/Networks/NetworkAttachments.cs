using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Networks;

/// <summary>What a machine's create needs from networking: the checked choice, the NIC record, and the host set up.</summary>
public sealed class NetworkAttachments(INetworkStore networks, ISecurityGroupStore groups, NetworkService networkService, SecurityGroupService groupService, SubnetPool pool)
{
    /// <summary>
    /// Checks the request before anything is recorded: the network and the group must be the caller's tenant's
    /// (anything else is a 404, as if it did not exist), so machines of different tenants never share a segment.
    /// </summary>
    public async Task<NetworkChoice?> ResolveAsync(Caller caller, Guid? networkId, Guid? securityGroupId, CancellationToken ct)
    {
        if (networkId is null)
        {
            if (securityGroupId is not null)
                throw ValidationFailedException.For("securityGroupId", "A security group applies to a network interface: give networkId too.");
            return null;
        }
        var network = await networks.GetAsync(networkId.Value, ct);
        if (network is null || network.TenantId != caller.TenantId)
            throw new NotFoundException($"Network {networkId} was not found.");
        SecurityGroup group;
        if (securityGroupId is null)
            group = await groupService.EnsureDefaultAsync(caller.TenantId, ct);
        else
        {
            var found = await groups.GetAsync(securityGroupId.Value, ct);
            if (found is null || found.TenantId != caller.TenantId)
                throw new NotFoundException($"Security group {securityGroupId} was not found.");
            group = found;
        }
        return new NetworkChoice(network, group);
    }

    public Task<NicAssignment> RecordNicAsync(Guid machineId, NetworkChoice choice, CancellationToken ct) =>
        networks.AddNicAsync(machineId, choice.Network, choice.Group.Id, ct);

    /// <summary>The machine's NIC with what its domain XML needs, or null for a machine without a network.</summary>
    public async Task<NicPlan?> GetNicAsync(Guid machineId, CancellationToken ct)
    {
        if (await networks.GetNicAsync(machineId, ct) is not { } nic)
            return null;
        var network = await networks.GetAsync(nic.NetworkId, ct) ?? throw new NotFoundException($"Network {nic.NetworkId} was not found.");
        return new NicPlan(nic, network.Cidr, pool.Cidr);
    }

    /// <summary>Before the domain is defined on its host: the network runs there with the NIC's reservation, the filter exists.</summary>
    public async Task PrepareHostAsync(Machine machine, NicAssignment nic, CancellationToken ct)
    {
        var network = await networks.GetAsync(nic.NetworkId, ct) ?? throw new NotFoundException($"Network {nic.NetworkId} was not found.");
        var group = await groups.GetAsync(nic.SecurityGroupId, ct) ?? throw new NotFoundException($"Security group {nic.SecurityGroupId} was not found.");
        await networkService.EnsureOnHostAsync(network, nic, machine.HostId, ct);
        await groupService.DefineOnHostAsync(group, machine.HostId, ct);
        await groupService.ApplyReferrersAsync(machine.TenantId, group.Id, ct);
    }
}

public sealed record NetworkChoice(TenantNetwork Network, SecurityGroup Group);
