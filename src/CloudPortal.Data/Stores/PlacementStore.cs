using CloudPortal.Core.Placement;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class PlacementStore(SqliteDatabase database) : IPlacementStore
{
    public async Task<bool> RecordAsync(PlacementRecord record, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            // A retried record replaces the earlier one: the latest decision is the one that holds.
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO machine_placements (machine_id, decided_at, explain_json) VALUES (@MachineId, @DecidedAt, @ExplainJson)
                ON CONFLICT (machine_id) DO UPDATE SET decided_at = excluded.decided_at, explain_json = excluded.explain_json
                """, record, cancellationToken: ct));
            return true;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            // SQLITE_CONSTRAINT: the machine row is gone (foreign key).
            return false;
        }
    }

    public async Task<PlacementRecord?> GetAsync(Guid machineId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PlacementRecord>(new CommandDefinition("""
            SELECT machine_id AS MachineId, decided_at AS DecidedAt, explain_json AS ExplainJson
            FROM machine_placements WHERE machine_id = @machineId
            """, new { machineId }, cancellationToken: ct));
    }
}
