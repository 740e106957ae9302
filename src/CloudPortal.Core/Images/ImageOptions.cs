namespace CloudPortal.Core.Images;

/// <summary>Catalogue settings (configuration section CloudPortal:Images).</summary>
public sealed class ImageOptions
{
    public const string Section = "CloudPortal:Images";

    /// <summary>The largest upload accepted, in bytes (default 64 GiB); larger ones answer 413 before bytes are stored.</summary>
    public long MaxUploadBytes { get; set; } = 64L * 1024 * 1024 * 1024;

    /// <summary>The qemu-img executable that inspects uploads.</summary>
    public string QemuImg { get; set; } = "qemu-img";

    /// <summary>How long one qemu-img inspection may take before the upload is refused.</summary>
    public TimeSpan InspectionTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>An upload above the configured size limit (a 413); nothing of it is kept.</summary>
public sealed class UploadTooLargeException(long limitBytes)
    : Exception($"The upload is larger than the limit of {limitBytes} bytes ({limitBytes / (1024.0 * 1024 * 1024):0.##} GiB).")
{
    public long LimitBytes { get; } = limitBytes;
}
