using System.Data.Common;
using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;
using CloudPortal.Core.Volumes;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class VolumeStore(SqliteDatabase database) : IVolumeStore
{
    private const string Columns = """
        id AS Id, tenant_id AS TenantId, name AS Name, host_id AS HostId, size_gib AS SizeGiB, machine_id AS MachineId,
        target AS Target, state AS State, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task InsertAsync(Volume volume, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        // Immediate: two creates of one tenant check the quota one after the other.
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        await QuotaLedger.EnsureFitsAsync(connection, transaction, volume.TenantId, Volume.ChargeOf(volume.SizeGiB), null, ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO volumes (id, tenant_id, name, host_id, size_gib, machine_id, target, state, created_at, updated_at)
                VALUES (@Id, @TenantId, @Name, @HostId, @SizeGiB, @MachineId, @Target, @State, @CreatedAt, @UpdatedAt)
                """, volume, transaction, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"The tenant already has a volume named '{volume.Name}'.");
        }
        await QuotaLedger.AddUsageAsync(connection, transaction, volume.TenantId, Volume.ChargeOf(volume.SizeGiB), ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<Volume?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Volume>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>By name then id; the cursor is the (id, name) of the last row of the previous page.</summary>
    public async Task<Page<Volume>> ListAsync(Guid? tenantId, PageRequest page, CancellationToken ct)
    {
        var (afterName, afterId) = KeysetCursor.Decode(page.Cursor);
        var filter = string.IsNullOrWhiteSpace(page.Filter) ? null : "%" + page.Filter.Trim().Replace("%", "").Replace("_", "") + "%";
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<Volume>(new CommandDefinition($"""
            SELECT {Columns} FROM volumes
            WHERE (@tenantId IS NULL OR tenant_id = @tenantId)
              AND (@filter IS NULL OR name LIKE @filter)
              AND (@afterName IS NULL OR name > @afterName OR (name = @afterName AND id > @afterId))
            ORDER BY name, id
            LIMIT @take
            """, new { tenantId, filter, afterName, afterId, take = page.Limit + 1 }, cancellationToken: ct))).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = KeysetCursor.Encode(rows[^1].Id, rows[^1].Name);
        }
        return new Page<Volume>(rows, next);
    }

    public async Task<IReadOnlyList<Volume>> ListByMachineAsync(Guid machineId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Volume>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes WHERE machine_id = @machineId ORDER BY target, name", new { machineId }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<Volume>> ListInStatesAsync(IReadOnlyList<string> states, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Volume>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes WHERE state IN @states", new { states }, cancellationToken: ct))).ToList();
    }

    public async Task<bool> TransitionAsync(Guid id, string expected, string state, Guid? machineId, string? target, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE volumes SET state = @state, machine_id = @machineId, target = @target, updated_at = @now
            WHERE id = @id AND state = @expected
            """, new { id, expected, state, machineId, target, now = Clock.Now() }, cancellationToken: ct)) == 1;
    }

    public async Task<bool> GrowAsync(Guid id, int fromGiB, int toGiB, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var tenantId = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT tenant_id FROM volumes WHERE id = @id AND size_gib = @fromGiB", new { id, fromGiB }, transaction, cancellationToken: ct));
        if (tenantId is null)
            return false;
        var growth = new QuotaAmounts { DiskGiB = toGiB - fromGiB };
        await QuotaLedger.EnsureFitsAsync(connection, transaction, tenantId.Value, growth, null, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE volumes SET size_gib = @toGiB, updated_at = @now WHERE id = @id", new { id, toGiB, now = Clock.Now() }, transaction, cancellationToken: ct));
        await QuotaLedger.AddUsageAsync(connection, transaction, tenantId.Value, growth, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var row = await connection.QuerySingleOrDefaultAsync<Volume>(new CommandDefinition(
            $"SELECT {Columns} FROM volumes WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        if (row is null)
            return false;
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volumes WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        await QuotaLedger.AddUsageAsync(connection, transaction, row.TenantId, Volume.ChargeOf(row.SizeGiB).Negate(), ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>What the tenant's volumes count in its usage, for the quota recompute.</summary>
    internal static Task<QuotaAmounts> UsageOfVolumesAsync(DbConnection connection, DbTransaction transaction, Guid tenantId, CancellationToken ct) =>
        connection.QuerySingleAsync<QuotaAmounts>(new CommandDefinition("""
            SELECT count(*) AS Volumes, coalesce(sum(size_gib), 0) AS DiskGiB FROM volumes WHERE tenant_id = @tenantId
            """, new { tenantId }, transaction, cancellationToken: ct));
}
