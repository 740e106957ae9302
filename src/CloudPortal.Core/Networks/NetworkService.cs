using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using LibvirtSharp;

namespace CloudPortal.Core.Networks;

/// <summary>A tenant's networks: every call is scoped to the caller's tenant; another tenant's network is a 404.</summary>
public sealed class NetworkService(INetworkStore networks, HostConnections connections, SubnetPool pool, IAuditLog audit)
{
    public const string DefaultName = "default";

    /// <summary>The tenant's networks; the first look creates its default private network, so every tenant has one.</summary>
    public async Task<Page<TenantNetwork>> ListAsync(Caller caller, PageRequest page, CancellationToken ct)
    {
        if (page.Cursor is null && Roles.MayChangeMachines(caller.Role))
            await EnsureDefaultAsync(caller.TenantId, ct);
        return await networks.ListAsync(caller.TenantId, page, ct);
    }

    public async Task<TenantNetwork> GetAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var network = await networks.GetAsync(id, ct);
        // Another tenant's network is reported exactly like one that does not exist (administrators see all; joining
        // one is still refused to them: see NetworkAttachments).
        if (network is null || (network.TenantId != caller.TenantId && !caller.IsAdmin))
            throw new NotFoundException($"Network {id} was not found.");
        return network;
    }

    public Task<TenantNetwork> CreateAsync(Caller caller, string? name, string? mode, CancellationToken ct) =>
        audit.RunAsync(caller, "network.create", "network", null, name, async () =>
        {
            EnsureMayChange(caller);
            var errors = new ValidationErrors();
            MachineRequestRules.ValidateName(name, errors);
            if (mode is null)
                errors.Add("mode", $"mode is required: {string.Join(" or ", NetworkModes.All)}.");
            else if (!NetworkModes.All.Contains(mode, StringComparer.Ordinal))
                errors.Add("mode", $"mode must be one of {string.Join(", ", NetworkModes.All)}.");
            errors.ThrowIfAny();
            return await networks.InsertAsync(New(caller.TenantId, name!, mode!, isDefault: false), pool, ct);
        }, n => $"id {n.Id}, {n.Mode}, {n.Cidr}", ct);

    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "network.delete", "network", id.ToString(), null, async () =>
        {
            EnsureMayChange(caller);
            var network = await GetAsync(caller, id, ct);
            if (network.Machines > 0)
                await networks.DeleteAsync(id, ct); // refuses, naming the machines
            // Off every host first: a row gone while a bridge stays would leak the bridge and its subnet.
            foreach (var hostId in await networks.HostsOfAsync(id, ct))
            {
                await connections.RunAsync(hostId, connection => Remove(connection, id), ct);
                await networks.ForgetHostAsync(id, hostId, ct);
            }
            await networks.DeleteAsync(id, ct);
        }, ct);

    /// <summary>The tenant's default private network, created on first need.</summary>
    public async Task<TenantNetwork> EnsureDefaultAsync(Guid tenantId, CancellationToken ct)
    {
        if (await networks.GetDefaultAsync(tenantId, ct) is { } existing)
            return existing;
        try
        {
            return await networks.InsertAsync(New(tenantId, DefaultName, NetworkModes.Nat, isDefault: true), pool, ct);
        }
        catch (ConflictException)
        {
            // Two first requests raced: the other one made it.
            return await networks.GetDefaultAsync(tenantId, ct)
                ?? throw new ConflictException($"The tenant has a network named '{DefaultName}' that is not its default network; rename or delete it.");
        }
    }

    /// <summary>
    /// Makes sure the network runs on the host with the NIC's address reserved for its MAC: defined with every
    /// reservation when missing, started when stopped, the reservation added live otherwise.
    /// </summary>
    public async Task EnsureOnHostAsync(TenantNetwork network, NicAssignment nic, Guid hostId, CancellationToken ct)
    {
        var nics = await networks.ListNicsAsync(network.Id, ct);
        var xml = NetworkXmlBuilder.Build(network, nics);
        await networks.RecordOnHostAsync(network.Id, hostId, ct);
        await connections.RunAsync(hostId, connection =>
        {
            using var existing = connection.LookupNetworkByUuid(network.Id);
            using var net = existing ?? connection.DefineNetworkXml(xml);
            if (existing is not null && !net.GetXmlDescription(inactive: true).Contains($"mac='{nic.Mac}'", StringComparison.Ordinal))
                net.AddDhcpHost(NetworkXmlBuilder.DhcpHost(nic));
            if (!net.IsActive)
                net.Create();
            if (!net.Autostart)
                net.Autostart = true;
        }, ct);
    }

    internal static void Remove(Connection connection, Guid networkId)
    {
        using var network = connection.LookupNetworkByUuid(networkId);
        if (network is null)
            return;
        if (network.IsActive)
            network.Destroy();
        if (network.IsPersistent)
            network.Undefine();
    }

    private static TenantNetwork New(Guid tenantId, string name, string mode, bool isDefault) => new()
    {
        Id = Guid.NewGuid(), TenantId = tenantId, Name = name, Mode = mode, Cidr = "", IsDefault = isDefault, CreatedAt = Clock.Now(),
    };

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException($"Role '{caller.Role}' may not change networks.");
    }
}
