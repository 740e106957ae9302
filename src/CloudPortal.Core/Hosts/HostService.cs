using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Hosts;

/// <summary>A host with its live status and how many of the portal's machines run on it.</summary>
public sealed record HostView(Host Host, HostStatus Status, int RunningMachines);

/// <summary>Registering hosts and describing them (admin work).</summary>
public sealed partial class HostService(IHostStore hosts, IMachineStore machines, HostConnections connections, IAuditLog audit)
{
    public async Task<IReadOnlyList<HostView>> ListAsync(CancellationToken ct)
    {
        var views = new List<HostView>();
        foreach (var host in await hosts.ListAsync(ct))
            views.Add(await DescribeAsync(host, ct));
        return views;
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

    private async Task<HostView> DescribeAsync(Host host, CancellationToken ct) =>
        new(host, connections.GetStatus(host.Id), await machines.CountRunningByHostAsync(host.Id, ct));

    private static string? NameFromUri(string? uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
            return null;
        var name = string.IsNullOrEmpty(parsed.Host) ? "local" : parsed.Host.Replace('.', '-');
        return parsed.IsDefaultPort || parsed.Port <= 0 ? name : $"{name}-{parsed.Port}";
    }
}
