namespace CloudPortal.Core.Storage;

/// <summary>Where the portal keeps machine disks and base images on every host.</summary>
public sealed class StorageOptions
{
    /// <summary>The dir pool created on demand on each host for base images and overlays.</summary>
    public string PortalPoolName { get; set; } = "cloudportal";

    public string PortalPoolPath { get; set; } = "/var/lib/cloudportal/pool";

    /// <summary>Used share (allocation / capacity) from which a pool is flagged as nearly full.</summary>
    public double NearlyFullRatio { get; set; } = 0.9;

    /// <summary>
    /// How old a machine disk with neither a machine nor a domain, or a capture copy no running capture of this portal
    /// owns, must be before it is collected as a leftover: a create makes the overlay a little before it defines the
    /// domain, and another portal process (a test, a second installation) may share the pool on the same host.
    /// </summary>
    public TimeSpan LeftoverDiskMinimumAge { get; set; } = TimeSpan.FromMinutes(10);
}
