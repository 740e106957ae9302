using CloudPortal.Core.Common;

namespace CloudPortal.Core.Images;

/// <summary>The only disk formats the catalogue accepts; anything else is refused at upload.</summary>
public enum ImageFormat
{
    Qcow2,
    Raw,
}

/// <summary>
/// A catalogue image as provisioning needs it. Content is addressed by its SHA-256: the stored bytes live once
/// at <see cref="BlobPath"/> however many images (or tenants) point at them. The format was detected once at
/// upload and is always passed on explicitly, never probed again.
/// </summary>
public sealed record ImageContent(
    Guid ImageId,
    string Name,
    string Sha256,
    ImageFormat Format,
    long VirtualSizeBytes,
    long SizeBytes,
    string BlobPath,
    int? MinMemoryMiB = null,
    int? MinDiskGiB = null);

/// <summary>Finds an image's content for a caller, honouring visibility (public, or private to the caller's tenant).</summary>
public interface IImageContentSource
{
    /// <returns>null when the image does not exist or the caller may not see it (callers answer 404 either way).</returns>
    Task<ImageContent?> FindForCallerAsync(Caller caller, Guid imageId, CancellationToken cancellationToken);
}
