namespace CloudPortal.Web.Hosting;

/// <summary>The portal's settings, from the CLOUDPORTAL_* environment variables of the public contract.</summary>
public sealed class PortalOptions
{
    /// <summary>Holds the SQLite database and the portal's files (CLOUDPORTAL_DATA_DIR).</summary>
    public string DataDirectory { get; set; } = Path.GetFullPath(".cloudportal");

    /// <summary>The first administrator's password when the database is created (CLOUDPORTAL_ADMIN_PASSWORD).</summary>
    public string? AdminPassword { get; set; }

    /// <summary>Registered as the first host when none is known; empty to register none.</summary>
    public string LocalHostUri { get; set; } = "qemu:///system";

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);
}
