using System.Data.Common;
using CloudPortal.Core.Common;
using CloudPortal.Core.Images;
using CloudPortal.Core.Quotas;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

/// <summary>
/// Image rows. Each image is charged to its tenant's quota as one image and its size rounded up to whole GiB, in the
/// same transaction that adds or removes the row, so that recompute can rebuild the charge from the rows.
/// </summary>
public sealed class ImageStore(SqliteDatabase database) : IImageStore
{
    private const long GiB = 1024L * 1024 * 1024;
    public const string UploadReservationKind = "image-upload";

    private const string Columns = """
        id AS Id, tenant_id AS TenantId, owner_id AS OwnerId, name AS Name, description AS Description, os AS Os,
        min_memory_mib AS MinMemoryMiB, min_disk_gib AS MinDiskGiB, visibility AS Visibility, sha256 AS Sha256,
        format AS Format, virtual_size_bytes AS VirtualSizeBytes, size_bytes AS SizeBytes, created_at AS CreatedAt,
        updated_at AS UpdatedAt
        """;

    /// <summary>What one image of this size adds to its tenant's usage.</summary>
    public static QuotaAmounts ChargeOf(long sizeBytes) => new() { Images = 1, DiskGiB = (sizeBytes + GiB - 1) / GiB };

    public async Task<long?> ReserveUploadAsync(Guid reservationId, Guid tenantId, long? declaredBytes, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Immediate: concurrent uploads of one tenant check and reserve one after another.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var (limits, _) = await QuotaLedger.LimitsAsync(connection, transaction, tenantId, ct);
        var used = await QuotaLedger.UsageAsync(connection, transaction, tenantId, ct) + await QuotaLedger.ReservedAsync(connection, transaction, tenantId, ct);
        long? allowance = limits.DiskGiB is { } limit ? Math.Max(0, limit - used.DiskGiB) * GiB : null;
        // Without a declared size the whole allowance is held, so that a concurrent upload cannot count on it too.
        var request = declaredBytes is { } declared ? ChargeOf(Math.Max(1, declared)) : ChargeOf(1) with { DiskGiB = Math.Max(1, (allowance ?? 0) / GiB) };
        await QuotaLedger.ReserveAsync(connection, transaction, reservationId, tenantId, null, UploadReservationKind, request, null, ct);
        await transaction.CommitAsync(ct);
        return allowance;
    }

    public async Task ReleaseUploadAsync(Guid reservationId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM quota_reservations WHERE id = @reservationId AND kind = @kind",
            new { reservationId, kind = UploadReservationKind }, cancellationToken: ct));
    }

    public async Task<int> ReleaseAllUploadReservationsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM quota_reservations WHERE kind = @kind", new { kind = UploadReservationKind }, cancellationToken: ct));
    }

    public async Task InsertAsync(Image image, Guid reservationId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        try
        {
            await QuotaLedger.DeleteReservationAsync(connection, transaction, reservationId, ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO images (id, tenant_id, owner_id, name, description, os, min_memory_mib, min_disk_gib, visibility, sha256,
                    format, virtual_size_bytes, size_bytes, created_at, updated_at)
                VALUES (@Id, @TenantId, @OwnerId, @Name, @Description, @Os, @MinMemoryMiB, @MinDiskGiB, @Visibility, @Sha256,
                    @Format, @VirtualSizeBytes, @SizeBytes, @CreatedAt, @UpdatedAt)
                """, Parameters(image), transaction, cancellationToken: ct));
            await QuotaLedger.AddUsageAsync(connection, transaction, image.TenantId, ChargeOf(image.SizeBytes), ct);
            await transaction.CommitAsync(ct);
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"An image named '{image.Name}' already exists in this tenant.");
        }
    }

    public async Task<Image?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(
            $"SELECT {Columns} FROM images WHERE id = @id", new { id }, cancellationToken: ct));
        return row?.ToImage();
    }

    public async Task<Page<Image>> ListVisibleAsync(Guid tenantId, PageRequest page, CancellationToken ct)
    {
        var (afterCreated, afterId) = CreatedAtCursor.Decode(page.Cursor);
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<ImageRow>(new CommandDefinition($"""
            SELECT {Columns} FROM images
            WHERE (visibility = 'public' OR tenant_id = @tenantId)
              AND (@filter IS NULL OR name LIKE '%' || @filter || '%' ESCAPE '\' OR os LIKE '%' || @filter || '%' ESCAPE '\' OR format = lower(@filterExact))
              AND (@afterCreated IS NULL OR created_at < @afterCreated OR (created_at = @afterCreated AND id < @afterId))
            ORDER BY created_at DESC, id DESC
            LIMIT @take
            """,
            new
            {
                tenantId,
                filter = string.IsNullOrWhiteSpace(page.Filter) ? null : LikePattern.Escape(page.Filter.Trim()),
                filterExact = page.Filter?.Trim(),
                afterCreated,
                afterId,
                take = page.Limit + 1,
            }, cancellationToken: ct))).Select(r => r.ToImage()).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = CreatedAtCursor.Encode(rows[^1].CreatedAt, rows[^1].Id);
        }
        return new Page<Image>(rows, next);
    }

    public async Task<Image> UpdateAsync(Image image, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE images SET name = @Name, description = @Description, os = @Os, min_memory_mib = @MinMemoryMiB,
                    min_disk_gib = @MinDiskGiB, visibility = @Visibility, updated_at = @UpdatedAt
                WHERE id = @Id
                """, Parameters(image), cancellationToken: ct));
            if (changed == 0)
                throw new NotFoundException($"Image {image.Id} was not found.");
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"An image named '{image.Name}' already exists in this tenant.");
        }
        return image;
    }

    public async Task<IReadOnlyList<string>> MachinesUsingAsync(Guid imageId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await MachinesUsingAsync(connection, null, imageId, ct);
    }

    public async Task<int> DeleteAsync(Image image, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Immediate: no machine can be made from the image between the check and the delete.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var machines = await MachinesUsingAsync(connection, transaction, image.Id, ct);
        if (machines.Count > 0)
            throw new ConflictException($"Image '{image.Name}' is used by machines: {UserStore.OwnedList(machines)}. Delete them first.");
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM images WHERE id = @id", new { id = image.Id }, transaction, cancellationToken: ct));
        if (deleted == 0)
            throw new NotFoundException($"Image {image.Id} was not found.");
        await QuotaLedger.AddUsageAsync(connection, transaction, image.TenantId, ChargeOf(image.SizeBytes).Negate(), ct);
        var remaining = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM images WHERE sha256 = @sha256", new { sha256 = image.Sha256 }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return remaining;
    }

    public async Task<int> CountByContentAsync(string sha256, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM images WHERE sha256 = @sha256", new { sha256 }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<string>> ListContentsAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition("SELECT DISTINCT sha256 FROM images", cancellationToken: ct))).ToList();
    }

    public async Task<ImageStorageSummary> SummaryAsync(Guid? tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var (images, contents, logical, stored) = await connection.QuerySingleAsync<(long, long, long, long)>(new CommandDefinition("""
            WITH visible AS (
                SELECT sha256, size_bytes FROM images
                WHERE @tenantId IS NULL OR visibility = 'public' OR tenant_id = @tenantId
            )
            SELECT (SELECT count(*) FROM visible),
                   (SELECT count(DISTINCT sha256) FROM visible),
                   (SELECT coalesce(sum(size_bytes), 0) FROM visible),
                   (SELECT coalesce(sum(size_bytes), 0) FROM (SELECT sha256, max(size_bytes) AS size_bytes FROM visible GROUP BY sha256))
            """, new { tenantId }, cancellationToken: ct));
        return new ImageStorageSummary((int)images, (int)contents, logical, stored);
    }

    /// <summary>What the tenant's images add up to, for recompute (the same rule as <see cref="ChargeOf"/>).</summary>
    internal static Task<QuotaAmounts> UsageOfImagesAsync(DbConnection connection, DbTransaction transaction, Guid tenantId, CancellationToken ct) =>
        connection.QuerySingleAsync<QuotaAmounts>(new CommandDefinition($"""
            SELECT count(*) AS Images, coalesce(sum((size_bytes + {GiB - 1}) / {GiB}), 0) AS DiskGiB
            FROM images WHERE tenant_id = @tenantId
            """, new { tenantId }, transaction, cancellationToken: ct));

    private static async Task<IReadOnlyList<string>> MachinesUsingAsync(DbConnection connection, DbTransaction? transaction, Guid imageId, CancellationToken ct) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM machines WHERE image_id = @imageId ORDER BY name LIMIT 21", new { imageId }, transaction, cancellationToken: ct))).ToList();

    private static object Parameters(Image image) => new
    {
        image.Id, image.TenantId, image.OwnerId, image.Name, image.Description, image.Os, image.MinMemoryMiB, image.MinDiskGiB,
        Visibility = image.Visibility.ToName(), image.Sha256, Format = image.Format.ToName(), image.VirtualSizeBytes, image.SizeBytes,
        image.CreatedAt, image.UpdatedAt,
    };

    /// <summary>The row as stored: format and visibility are text.</summary>
    private sealed record ImageRow
    {
        public Guid Id { get; init; }
        public Guid TenantId { get; init; }
        public Guid OwnerId { get; init; }
        public string Name { get; init; } = "";
        public string? Description { get; init; }
        public string? Os { get; init; }
        public long? MinMemoryMiB { get; init; }
        public long? MinDiskGiB { get; init; }
        public string Visibility { get; init; } = "";
        public string Sha256 { get; init; } = "";
        public string Format { get; init; } = "";
        public long VirtualSizeBytes { get; init; }
        public long SizeBytes { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }

        public Image ToImage() => new()
        {
            Id = Id, TenantId = TenantId, OwnerId = OwnerId, Name = Name, Description = Description, Os = Os,
            MinMemoryMiB = (int?)MinMemoryMiB, MinDiskGiB = (int?)MinDiskGiB,
            Visibility = Visibility == "public" ? ImageVisibility.Public : ImageVisibility.Private,
            Sha256 = Sha256, Format = ImageFormats.Parse(Format), VirtualSizeBytes = VirtualSizeBytes, SizeBytes = SizeBytes,
            CreatedAt = CreatedAt, UpdatedAt = UpdatedAt,
        };
    }
}
