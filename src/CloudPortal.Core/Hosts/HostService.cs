using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Hosts;

/// <summary>A host with its live status, how many of the portal's machines run on it and what they are given.</summary>
public sealed record HostView(Host Host, HostStatus Status, int RunningMachines, int AllocatedVcpus = 0, long AllocatedMemoryMiB = 0);

/// <summary>Registering hosts and describing them (admin work).</summary>
public sealed partial class HostService(IHostStore hosts, IMachineStore machines, HostConnections connections, IAuditLog audit)
{
    /// <summary>Two queries however many hosts: the hosts, and every host's sums over its machines.</summary>
    public async Task<IReadOnlyList<HostView>> ListAsync(CancellationToken ct)
    {
        var registered = await hosts.ListAsync(ct);
        var allocations = (await machines.ListAllocationsAsync(ct)).ToLookup(a => a.HostId);
        return registered.Select(host =>
        {
            var placed = allocations[host.Id];
            return new HostView(host, connections.GetStatus(host.Id), (int)placed.Sum(a => a.Running),
                (int)placed.Sum(a => a.Vcpus), placed.Sum(a => a.MemoryMiB));
        }).ToList();
    }

    public async Task<HostView> GetAsync(Guid id, CancellationToken ct)
    {
        var host = await hosts.GetAsync(id, ct) ?? throw new NotFoundException($"Host {id} was not found.");
        return await DescribeAsync(host, ct);
    }

    /// <summary>
    /// Adds a host and starts connecting to it. A host that is down is still added (and shown unreachable,
    /// retried with backoff): registering a host before it is up is normal in a cloud.
    /// </summary>
    private async Task<HostView> AddUnauditedAsync(Caller caller, string? name, string? uri, CancellationToken ct)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only administrators may add hosts.");
        var errors = new ValidationErrors();
        HostUriRules.Validate(uri, errors);
        var hostName = string.IsNullOrWhiteSpace(name) ? NameFromUri(uri) : name;
        MachineRequestRules.ValidateName(hostName, errors);
        if (errors.HasErrors && !string.IsNullOrWhiteSpace(name))
            errors.ThrowIfAny();
        if (errors.HasErrors)
        {
            // The name was derived from a bad URI: report the URI only.
            var uriOnly = new ValidationErrors();
            HostUriRules.Validate(uri, uriOnly);
            if (!uriOnly.HasErrors)
                uriOnly.Add("name", "name is required: none could be derived from the URI.");
            uriOnly.ThrowIfAny();
        }
        var host = new Host { Id = Guid.NewGuid(), Name = hostName!, Uri = uri!.Trim(), CreatedAt = Clock.Now() };
        await hosts.InsertAsync(host, ct);
        connections.Start(host);
        return await DescribeAsync(host, ct);
    }

    /// <summary>Starts connections to every registered host (at portal start-up).</summary>
    public async Task StartAllAsync(CancellationToken ct)
    {
        foreach (var host in await hosts.ListAsync(ct))
            connections.Start(host);
    }

    /// <summary>Changes maintenance, overcommit ratios, reserved memory and labels (admin); absent fields keep their value.</summary>
    private async Task<HostView> UpdateUnauditedAsync(Caller caller, Guid id, HostCapacityPatch patch, CancellationToken ct)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only administrators may change hosts.");
        var host = await hosts.GetAsync(id, ct) ?? throw new NotFoundException($"Host {id} was not found.");
        var status = connections.GetStatus(id);
        var capacity = HostCapacityRules.Apply(HostCapacity.Of(host), patch, status.MemoryMiB > 0 ? status.MemoryMiB : null);
        if (!await hosts.UpdateCapacityAsync(id, capacity, ct))
            throw new NotFoundException($"Host {id} was not found.");
        return await DescribeAsync(host with
        {
            Maintenance = capacity.Maintenance, CpuOvercommit = capacity.CpuOvercommit, MemoryOvercommit = capacity.MemoryOvercommit,
            ReservedMemoryMiB = capacity.ReservedMemoryMiB, Labels = capacity.Labels,
        }, ct);
    }

    private async Task<HostView> DescribeAsync(Host host, CancellationToken ct)
    {
        // Every machine row holds its host's resources, whatever its state: a stopped machine may start at any time.
        var placed = await machines.ListByHostAsync(host.Id, ct);
        return new(host, connections.GetStatus(host.Id), await machines.CountRunningByHostAsync(host.Id, ct),
            placed.Sum(m => m.Vcpus), placed.Sum(m => (long)m.MemoryMiB));
    }

    private static string? NameFromUri(string? uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
            return null;
        var name = string.IsNullOrEmpty(parsed.Host) ? "local" : parsed.Host.Replace('.', '-');
        return parsed.IsDefaultPort || parsed.Port <= 0 ? name : $"{name}-{parsed.Port}";
    }
}
