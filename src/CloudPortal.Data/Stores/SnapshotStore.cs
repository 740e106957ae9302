using System.Data.Common;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Quotas;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class SnapshotStore(SqliteDatabase database) : ISnapshotStore
{
    private const string Columns = """
        id AS Id, machine_id AS MachineId, tenant_id AS TenantId, name AS Name, description AS Description,
        libvirt_name AS LibvirtName, has_memory AS HasMemory, created_at AS CreatedAt
        """;

    private static readonly QuotaAmounts One = new() { Snapshots = 1 };

    public async Task InsertAsync(MachineSnapshot snapshot, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        await QuotaLedger.EnsureFitsAsync(connection, transaction, snapshot.TenantId, One, null, ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO snapshots (id, machine_id, tenant_id, name, description, libvirt_name, has_memory, created_at)
                VALUES (@Id, @MachineId, @TenantId, @Name, @Description, @LibvirtName, @HasMemory, @CreatedAt)
                """, snapshot, transaction, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"The machine already has a snapshot named '{snapshot.Name}'.");
        }
        await QuotaLedger.AddUsageAsync(connection, transaction, snapshot.TenantId, One, ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<MachineSnapshot>> ListAsync(Guid machineId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<MachineSnapshot>(new CommandDefinition(
            $"SELECT {Columns} FROM snapshots WHERE machine_id = @machineId ORDER BY created_at, id", new { machineId }, cancellationToken: ct))).ToList();
    }

    public async Task<MachineSnapshot?> GetAsync(Guid machineId, Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<MachineSnapshot>(new CommandDefinition(
            $"SELECT {Columns} FROM snapshots WHERE id = @id AND machine_id = @machineId", new { id, machineId }, cancellationToken: ct));
    }

    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        var tenantId = await connection.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            "SELECT tenant_id FROM snapshots WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        if (tenantId is null)
            return false;
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM snapshots WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        await QuotaLedger.AddUsageAsync(connection, transaction, tenantId.Value, One.Negate(), ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>What the tenant's snapshots count in its usage, for the quota recompute.</summary>
    internal static Task<QuotaAmounts> UsageOfSnapshotsAsync(DbConnection connection, DbTransaction transaction, Guid tenantId, CancellationToken ct) =>
        connection.QuerySingleAsync<QuotaAmounts>(new CommandDefinition(
            "SELECT count(*) AS Snapshots FROM snapshots WHERE tenant_id = @tenantId", new { tenantId }, transaction, cancellationToken: ct));
}
