using CloudPortal.Core.Common;
using CloudPortal.Core.Sizes;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class SizeStore(SqliteDatabase database) : ISizeStore
{
    private const string Columns = """
        id AS Id, name AS Name, vcpus AS Vcpus, memory_mib AS MemoryMiB, disk_gib AS DiskGiB, tenant_id AS TenantId, created_at AS CreatedAt
        """;

    public async Task InsertAsync(Size size, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO sizes (id, name, vcpus, memory_mib, disk_gib, tenant_id, created_at)
                VALUES (@Id, @Name, @Vcpus, @MemoryMiB, @DiskGiB, @TenantId, @CreatedAt)
                """, size, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException(size.TenantId is null
                ? $"A public size named '{size.Name}' already exists."
                : $"The tenant already has a size named '{size.Name}'.");
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && size.TenantId is not null)
        {
            // The foreign key to tenants: no such tenant.
            throw new NotFoundException($"Tenant {size.TenantId} was not found.");
        }
    }

    public async Task<Size?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Size>(new CommandDefinition(
            $"SELECT {Columns} FROM sizes WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>By name then id; the cursor is the (name, id) of the last row of the previous page.</summary>
    public async Task<Page<Size>> ListAsync(Guid? tenantId, PageRequest page, CancellationToken ct)
    {
        var (afterName, afterId) = KeysetCursor.Decode(page.Cursor);
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<Size>(new CommandDefinition($"""
            SELECT {Columns} FROM sizes
            WHERE (@tenantId IS NULL OR tenant_id IS NULL OR tenant_id = @tenantId)
              AND (@afterName IS NULL OR name > @afterName OR (name = @afterName AND id > @afterId))
            ORDER BY name, id
            LIMIT @take
            """, new { tenantId, afterName, afterId, take = page.Limit + 1 }, cancellationToken: ct))).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = KeysetCursor.Encode(rows[^1].Id, rows[^1].Name);
        }
        return new Page<Size>(rows, next);
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM sizes WHERE id = @id", new { id }, cancellationToken: ct)) == 1;
    }
}
