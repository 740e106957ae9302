namespace CloudPortal.Core.Placement;

/// <summary>Only hosts the portal can talk to, and that an administrator has not taken out of service.</summary>
public sealed class ConnectedFilter : IHostFilter
{
    public string Name => "connected";

    public string? Reject(PlacementRequest request, HostCandidate host) =>
        request.DroppedHosts?.Contains(host.HostId) == true ? "host dropped while the machine was being created on it"
        : request.PinnedHost is { } pinned && pinned != host.HostId ? "a clone goes to the host that holds its source's disk"
        : !host.Connected ? "host is not connected"
        : host.Maintenance ? "host is in maintenance"
        : null;
}
