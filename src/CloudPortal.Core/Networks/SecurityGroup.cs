namespace CloudPortal.Core.Networks;

/// <summary>
/// A tenant's set of inbound allow rules; everything else inbound is dropped, outbound and replies are allowed.
/// Each group is one libvirt nwfilter on every host running one of its machines.
/// </summary>
public sealed record SecurityGroup
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public required string Name { get; init; }
    public bool IsDefault { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<SecurityGroupRule> Rules { get; init; } = [];
}

/// <summary>One allow rule: a protocol, a port range for tcp/udp, and a source (a CIDR or the machines of a group).</summary>
public sealed record SecurityGroupRule
{
    public Guid Id { get; init; }
    public Guid GroupId { get; init; }
    public required string Protocol { get; init; }
    public int? PortFrom { get; init; }
    public int? PortTo { get; init; }
    public string? SourceCidr { get; init; }
    public Guid? SourceGroupId { get; init; }
}

public static class SecurityProtocols
{
    public const string Tcp = "tcp";
    public const string Udp = "udp";
    public const string Icmp = "icmp";
    public const string All = "all";
    public static readonly IReadOnlyList<string> Names = [Tcp, Udp, Icmp, All];

    public static bool HasPorts(string protocol) => protocol is Tcp or Udp;
}

public interface ISecurityGroupStore
{
    /// <summary>A name already taken in the tenant is a conflict.</summary>
    Task InsertAsync(SecurityGroup group, CancellationToken ct);
    Task<IReadOnlyList<SecurityGroup>> ListAsync(Guid tenantId, CancellationToken ct);
    Task<SecurityGroup?> GetAsync(Guid id, CancellationToken ct);
    Task<SecurityGroup?> GetDefaultAsync(Guid tenantId, CancellationToken ct);
    Task AddRuleAsync(SecurityGroupRule rule, CancellationToken ct);
    /// <summary>The groups of the NICs of the machines placed on a host.</summary>
    Task<IReadOnlyList<Guid>> UsedOnHostAsync(Guid hostId, CancellationToken ct);
    /// <summary>False when the group has no such rule.</summary>
    Task<bool> RemoveRuleAsync(Guid groupId, Guid ruleId, CancellationToken ct);
    /// <summary>Deletes a group no machine uses and no other group's rule names; otherwise a conflict saying which.</summary>
    Task DeleteAsync(Guid id, CancellationToken ct);
}
