using CloudPortal.Core.Common;

namespace CloudPortal.Core.Images;

/// <summary>Image rows, their quota charge and the reference counts of stored content.</summary>
public interface IImageStore
{
    /// <summary>
    /// Checks the tenant's image and disk quota for an upload of <paramref name="declaredBytes"/> (null: not known
    /// yet) and holds it as a reservation, or throws <see cref="Quotas.QuotaExceededException"/>. Returns how many
    /// bytes the tenant may still store at most (null: unlimited), to enforce while the bytes arrive.
    /// </summary>
    Task<long?> ReserveUploadAsync(Guid reservationId, Guid tenantId, long? declaredBytes, CancellationToken ct);

    /// <summary>Drops an upload's reservation (idempotent).</summary>
    Task ReleaseUploadAsync(Guid reservationId, CancellationToken ct);

    /// <summary>Drops every upload reservation: at start-up, when no upload can still be in flight.</summary>
    Task<int> ReleaseAllUploadReservationsAsync(CancellationToken ct);

    /// <summary>Inserts the row, charges its usage and drops the reservation in one transaction; 409 on a duplicate name.</summary>
    Task InsertAsync(Image image, Guid reservationId, CancellationToken ct);

    Task<Image?> GetAsync(Guid id, CancellationToken ct);

    /// <summary>Public images and <paramref name="tenantId"/>'s private ones, newest first, keyset paged; the filter matches a name part.</summary>
    Task<Page<Image>> ListVisibleAsync(Guid tenantId, PageRequest page, CancellationToken ct);

    Task<Image> UpdateAsync(Image image, CancellationToken ct);

    /// <summary>Names of the machines made from the image (any tenant), at most 21.</summary>
    Task<IReadOnlyList<string>> MachinesUsingAsync(Guid imageId, CancellationToken ct);

    /// <summary>
    /// Deletes the row and its charge unless machines use it (then <see cref="ConflictException"/> naming them), in one
    /// transaction. Returns how many images still name the same content.
    /// </summary>
    Task<int> DeleteAsync(Image image, CancellationToken ct);

    /// <summary>How many image rows name the content.</summary>
    Task<int> CountByContentAsync(string sha256, CancellationToken ct);

    /// <summary>Every content named by some image row (to find blobs nothing names).</summary>
    Task<IReadOnlyList<string>> ListContentsAsync(CancellationToken ct);

    /// <summary>Over the images visible to <paramref name="tenantId"/>, or over the whole cloud when null.</summary>
    Task<ImageStorageSummary> SummaryAsync(Guid? tenantId, CancellationToken ct);
}
