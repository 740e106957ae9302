namespace CloudPortal.Core.Images;

/// <summary>Public images are seen by every tenant; private ones by their own tenant (and cloud administrators).</summary>
public enum ImageVisibility
{
    Private,
    Public,
}

/// <summary>A catalogue entry: a row that names stored content by its SHA-256, with the tenant's own metadata.</summary>
public sealed record Image
{
    public required Guid Id { get; init; }
    public required Guid TenantId { get; init; }
    public required Guid OwnerId { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public string? Os { get; init; }
    public int? MinMemoryMiB { get; init; }
    public int? MinDiskGiB { get; init; }
    public required ImageVisibility Visibility { get; init; }
    public required string Sha256 { get; init; }
    public required ImageFormat Format { get; init; }
    public required long VirtualSizeBytes { get; init; }
    public required long SizeBytes { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The metadata a caller sets at upload or changes later; on a change, null leaves a field as it is.</summary>
public sealed record ImageMetadata(
    string? Name = null,
    string? Visibility = null,
    string? Os = null,
    int? MinMemoryMiB = null,
    int? MinDiskGiB = null,
    string? Description = null);

/// <summary>A new image and whether its bytes were already stored (by any tenant) before this upload.</summary>
public sealed record UploadedImage(Image Image, bool ContentReused);

/// <summary>
/// What deduplication saves: <see cref="LogicalBytes"/> adds up every image's size, <see cref="StoredBytes"/> every
/// distinct content's size once.
/// </summary>
public sealed record ImageStorageSummary(int Images, int Contents, long LogicalBytes, long StoredBytes)
{
    public long SavedBytes => LogicalBytes - StoredBytes;
}

public static class ImageFormats
{
    public static string ToName(this ImageFormat format) => format == ImageFormat.Qcow2 ? "qcow2" : "raw";

    public static ImageFormat Parse(string name) => name switch
    {
        "qcow2" => ImageFormat.Qcow2,
        "raw" => ImageFormat.Raw,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not an image format the catalogue stores"),
    };

    public static string ToName(this ImageVisibility visibility) => visibility == ImageVisibility.Public ? "public" : "private";
}
