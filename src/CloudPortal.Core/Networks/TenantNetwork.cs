namespace CloudPortal.Core.Networks;

/// <summary>
/// A tenant's private layer-2 segment: its own libvirt network and bridge on every host that runs one of its
/// machines, with a /24 of its own out of the portal's pool. Machines of other tenants never join it.
/// </summary>
public sealed record TenantNetwork
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public required string Name { get; init; }
    public required string Mode { get; init; }
    /// <summary>The index of the network's /24 in the pool; the subnet is derived from it.</summary>
    public int SubnetIndex { get; init; }
    public required string Cidr { get; init; }
    public bool IsDefault { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int Machines { get; init; }
}

public static class NetworkModes
{
    public const string Nat = "nat";
    public const string Isolated = "isolated";
    public static readonly IReadOnlyList<string> All = [Nat, Isolated];
}

/// <summary>A machine's NIC: its network, its fixed address (reserved in DHCP) and its security group.</summary>
public sealed record NicAssignment(Guid MachineId, Guid NetworkId, Guid SecurityGroupId, string Mac, string IpAddress);

/// <summary>What a domain's NIC needs: the assignment, its network's subnet and the pool (for the filter's parameters).</summary>
public sealed record NicPlan(NicAssignment Assignment, string NetworkCidr, string PoolCidr);

/// <summary>The libvirt names of portal networks and filters; all start with "cpn" so they are easy to tell apart.</summary>
public static class NetworkNames
{
    public const string NetworkPrefix = "cpnet-";
    public const string FilterPrefix = "cpnet-sg-";
    public const string BridgePrefix = "cpn";

    public static string Network(Guid id) => NetworkPrefix + id.ToString("N")[..12];

    /// <summary>Linux limits interface names to 15 characters: "cpn" plus 12 hex digits.</summary>
    public static string Bridge(Guid id) => BridgePrefix + id.ToString("N")[..12];

    public static string Filter(Guid securityGroupId) => FilterPrefix + securityGroupId.ToString("N")[..12];
}

public interface INetworkStore
{
    /// <summary>
    /// Inserts the network on the lowest free /24 of the pool, checking the tenant's network quota in the same
    /// transaction; returns it with its subnet. A taken name is a conflict, a full pool too.
    /// </summary>
    Task<TenantNetwork> InsertAsync(TenantNetwork network, SubnetPool pool, CancellationToken ct);
    /// <summary>The tenant's networks by name, keyset-paged on the name.</summary>
    Task<Common.Page<TenantNetwork>> ListAsync(Guid tenantId, Common.PageRequest page, CancellationToken ct);
    Task<TenantNetwork?> GetAsync(Guid id, CancellationToken ct);
    Task<TenantNetwork?> GetDefaultAsync(Guid tenantId, CancellationToken ct);
    /// <summary>Deletes a network no machine uses; otherwise a conflict naming the machines.</summary>
    Task DeleteAsync(Guid id, CancellationToken ct);

    /// <summary>Records a NIC on the lowest free address of its network (from .10); returns it with address and MAC.</summary>
    Task<NicAssignment> AddNicAsync(Guid machineId, TenantNetwork network, Guid securityGroupId, CancellationToken ct);
    Task<NicAssignment?> GetNicAsync(Guid machineId, CancellationToken ct);
    Task<IReadOnlyList<NicAssignment>> ListNicsAsync(Guid networkId, CancellationToken ct);
    /// <summary>The addresses of the machines in a security group, for rules whose source is that group.</summary>
    Task<IReadOnlyList<string>> AddressesOfGroupAsync(Guid securityGroupId, CancellationToken ct);

    /// <summary>Remembers that a network or filter (by id) is defined on a host.</summary>
    Task RecordOnHostAsync(Guid objectId, Guid hostId, CancellationToken ct);
    Task<IReadOnlyList<Guid>> HostsOfAsync(Guid objectId, CancellationToken ct);
    /// <summary>The ids of the networks and filters recorded as defined on a host.</summary>
    Task<IReadOnlyList<Guid>> ObjectsOnHostAsync(Guid hostId, CancellationToken ct);
    Task ForgetHostAsync(Guid objectId, Guid hostId, CancellationToken ct);
}
