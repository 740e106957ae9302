using CloudPortal.Core.Audit;
using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Images;

/// <summary>
/// The image catalogue: uploads checked by qemu-img and stored once per content, visibility (public, or private to a
/// tenant), metadata, and deletes that remove a content's blob with its last image. Provisioning reads it through
/// <see cref="IImageContentSource"/>.
/// </summary>
public sealed class ImageCatalogue(
    IImageStore store,
    ContentStore contents,
    QemuImgInspector inspector,
    IOptions<ImageOptions> options,
    IAuditLog audit,
    ILogger<ImageCatalogue> log) : IImageContentSource
{
    private const long GiB = 1024L * 1024 * 1024;

    public long MaxUploadBytes => options.Value.MaxUploadBytes;

    /// <summary>
    /// Stores <paramref name="content"/> as a new image of the caller's tenant. Role, metadata, size limit and quota
    /// are checked before any byte is stored (<paramref name="declaredBytes"/>: what the client announced, if it
    /// did), and again while the bytes arrive. On any failure nothing is left: no temporary file, no row, no blob.
    /// </summary>
    public Task<UploadedImage> UploadAsync(Caller caller, ImageMetadata metadata, Stream content, long? declaredBytes, CancellationToken ct) =>
        audit.RunAsync(caller, "image.upload", "image", null, metadata.Name?.Trim(),
            () => UploadCoreAsync(caller, metadata, content, declaredBytes, ct),
            uploaded => $"{uploaded.Image.Id} {uploaded.Image.Format.ToName()} {uploaded.Image.SizeBytes} bytes sha256:{uploaded.Image.Sha256}"
                + (uploaded.ContentReused ? " (content already stored)" : ""), ct);

    /// <summary>Refuses (and audits) a caller who may not upload at all, before the form is read.</summary>
    public async Task EnsureMayUploadAsync(Caller caller, CancellationToken ct)
    {
        try
        {
            EnsureMayChange(caller);
        }
        catch (ForbiddenException ex)
        {
            await audit.RecordAsync(caller, "image.upload", "image", null, null, AuditedFailure.ResultOf(ex), ex.Message, ct);
            throw;
        }
    }

    /// <summary>The checks that come before any byte is read, so that a client can be refused at once.</summary>
    public ImageVisibility CheckUpload(Caller caller, ImageMetadata metadata, long? declaredBytes)
    {
        EnsureMayChange(caller);
        var visibility = ImageRules.Validate(metadata, nameRequired: true) ?? ImageVisibility.Private;
        if (visibility == ImageVisibility.Public && !caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators may publish public images; upload it as private.");
        if (declaredBytes > MaxUploadBytes)
            throw new UploadTooLargeException(MaxUploadBytes);
        return visibility;
    }

    private async Task<UploadedImage> UploadCoreAsync(Caller caller, ImageMetadata metadata, Stream content, long? declaredBytes, CancellationToken ct)
    {
        var visibility = CheckUpload(caller, metadata, declaredBytes);
        var reservationId = Guid.NewGuid();
        var allowance = await store.ReserveUploadAsync(reservationId, caller.TenantId, declaredBytes, ct);
        try
        {
            var max = MaxUploadBytes;
            using var staged = await contents.StageAsync(content, written =>
            {
                if (written > max)
                    throw new UploadTooLargeException(max);
                if (written > allowance)
                    throw new QuotaExceededException([$"disk: the upload is larger than the {allowance / GiB} GiB left in the tenant's disk quota"]);
            }, ct);
            var inspection = await inspector.InspectAsync(staged.TemporaryPath, staged.SizeBytes, ct);
            var now = Clock.Now();
            var image = new Image
            {
                Id = Guid.NewGuid(),
                TenantId = caller.TenantId,
                OwnerId = caller.UserId,
                Name = metadata.Name!.Trim(),
                Description = ImageRules.Clean(metadata.Description),
                Os = ImageRules.Clean(metadata.Os),
                MinMemoryMiB = metadata.MinMemoryMiB,
                MinDiskGiB = metadata.MinDiskGiB,
                Visibility = visibility,
                Sha256 = staged.Sha256,
                Format = inspection.Format,
                VirtualSizeBytes = inspection.VirtualSizeBytes,
                SizeBytes = staged.SizeBytes,
                CreatedAt = now,
                UpdatedAt = now,
            };
            using (await contents.LockAsync(staged.Sha256, ct))
            {
                var reused = contents.Commit(staged);
                try
                {
                    await store.InsertAsync(image, reservationId, ct);
                }
                catch
                {
                    // The row did not come: the blob stays only if another image names it.
                    if (await store.CountByContentAsync(image.Sha256, CancellationToken.None) == 0)
                        contents.Remove(image.Sha256);
                    throw;
                }
                log.LogInformation("{User} uploaded image {Name} ({Format}, {Bytes} bytes, sha256 {Sha256}){Reused}", caller.Username,
                    image.Name, image.Format.ToName(), image.SizeBytes, image.Sha256, reused ? ", content already stored" : "");
                return new UploadedImage(image, reused);
            }
        }
        finally
        {
            await store.ReleaseUploadAsync(reservationId, CancellationToken.None);
        }
    }

    public async Task<Image> GetAsync(Caller caller, Guid id, CancellationToken ct) =>
        await FindVisibleAsync(caller, id, ct) ?? throw NotFound(id);

    public Task<Page<Image>> ListAsync(Caller caller, PageRequest page, CancellationToken ct) =>
        store.ListVisibleAsync(caller.TenantId, page, ct);

    /// <summary>Administrators see the whole cloud's figures; everyone else those of the images they can see.</summary>
    public Task<ImageStorageSummary> SummaryAsync(Caller caller, CancellationToken ct) =>
        store.SummaryAsync(caller.IsAdmin ? null : caller.TenantId, ct);

    public Task<Image> UpdateAsync(Caller caller, Guid id, ImageMetadata changes, CancellationToken ct) =>
        audit.RunAsync(caller, "image.update", "image", id.ToString(), changes.Name, () => UpdateCoreAsync(caller, id, changes, ct), null, ct);

    private async Task<Image> UpdateCoreAsync(Caller caller, Guid id, ImageMetadata changes, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var image = await GetAsync(caller, id, ct);
        EnsureMayChangeImage(caller, image);
        var visibility = ImageRules.Validate(changes, nameRequired: false);
        if (visibility == ImageVisibility.Public && image.Visibility != ImageVisibility.Public && !caller.IsAdmin)
            throw new ForbiddenException("Only cloud administrators may make an image public.");
        var updated = image with
        {
            Name = changes.Name?.Trim() ?? image.Name,
            Visibility = visibility ?? image.Visibility,
            Os = changes.Os is null ? image.Os : ImageRules.Clean(changes.Os),
            Description = changes.Description is null ? image.Description : ImageRules.Clean(changes.Description),
            MinMemoryMiB = changes.MinMemoryMiB ?? image.MinMemoryMiB,
            MinDiskGiB = changes.MinDiskGiB ?? image.MinDiskGiB,
            UpdatedAt = Clock.Now(),
        };
        return await store.UpdateAsync(updated, ct);
    }

    /// <summary>Refused (409, naming them) while machines use the image; the blob goes with the content's last image.</summary>
    public Task DeleteAsync(Caller caller, Guid id, CancellationToken ct) =>
        audit.RunAsync(caller, "image.delete", "image", id.ToString(), null, () => DeleteCoreAsync(caller, id, ct), ct);

    private async Task DeleteCoreAsync(Caller caller, Guid id, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var image = await GetAsync(caller, id, ct);
        EnsureMayChangeImage(caller, image);
        using (await contents.LockAsync(image.Sha256, ct))
        {
            var remaining = await store.DeleteAsync(image, ct);
            if (remaining == 0)
                contents.Remove(image.Sha256);
        }
        log.LogInformation("{User} deleted image {Name} ({Id})", caller.Username, image.Name, image.Id);
    }

    public async Task<ImageContent?> FindForCallerAsync(Caller caller, Guid imageId, CancellationToken cancellationToken)
    {
        var image = await FindVisibleAsync(caller, imageId, cancellationToken);
        return image is null
            ? null
            : new ImageContent(image.Id, image.Name, image.Sha256, image.Format, image.VirtualSizeBytes, image.SizeBytes, contents.PathOf(image.Sha256),
                image.MinMemoryMiB, image.MinDiskGiB);
    }

    /// <summary>
    /// Start-up housekeeping: uploads cut off by a stop leave temporary files and reservations, and a crash between a
    /// blob's rename and its row can leave a blob that no image names.
    /// </summary>
    public async Task SweepAsync(CancellationToken ct)
    {
        var files = contents.SweepTemporaryFiles();
        var reservations = await store.ReleaseAllUploadReservationsAsync(ct);
        var named = (await store.ListContentsAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var orphans = 0;
        foreach (var sha256 in contents.ListContents().ToList())
        {
            if (named.Contains(sha256))
                continue;
            using (await contents.LockAsync(sha256, ct))
            {
                if (await store.CountByContentAsync(sha256, ct) == 0)
                {
                    contents.Remove(sha256);
                    orphans++;
                }
            }
        }
        if (files + reservations + orphans > 0)
            log.LogWarning("Image catalogue start-up: removed {Files} unfinished upload files, {Reservations} upload reservations and {Orphans} blobs no image named",
                files, reservations, orphans);
    }

    private async Task<Image?> FindVisibleAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var image = await store.GetAsync(id, ct);
        return image is not null && (image.Visibility == ImageVisibility.Public || image.TenantId == caller.TenantId || caller.IsAdmin)
            ? image
            : null;
    }

    private static void EnsureMayChange(Caller caller)
    {
        if (!Roles.MayChangeMachines(caller.Role))
            throw new ForbiddenException("Viewers may not change images.");
    }

    /// <summary>A public image is the cloud's: only administrators change it, whichever tenant published it.</summary>
    private static void EnsureMayChangeImage(Caller caller, Image image)
    {
        if (caller.IsAdmin)
            return;
        if (image.Visibility == ImageVisibility.Public)
            throw new ForbiddenException("Only cloud administrators may change or delete a public image.");
    }

    private static NotFoundException NotFound(Guid id) => new($"Image {id} was not found.");
}
