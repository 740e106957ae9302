namespace CloudPortal.Core.Placement;

/// <summary>Only hosts the portal can talk to, and that an administrator has not taken out of service.</summary>
public sealed class ConnectedFilter : IHostFilter
{
    public string Name => "connected";

    public string? Reject(PlacementRequest request, HostCandidate host) =>
        !host.Connected ? "host is not connected"
        : host.Maintenance ? "host is in maintenance"
        : null;
}
