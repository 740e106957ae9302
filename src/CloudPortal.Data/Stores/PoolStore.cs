using CloudPortal.Core.Common;
using CloudPortal.Core.Storage;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class PoolStore(SqliteDatabase database) : IPoolStore
{
    public async Task InsertAsync(PoolRecord pool, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO storage_pools (id, host_id, name, type, target_path, source_device, source_host, source_path, source_name, created_at)
                VALUES (@Id, @HostId, @Name, @Type, @TargetPath, @SourceDevice, @SourceHost, @SourcePath, @SourceName, @CreatedAt)
                """, pool, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A pool named '{pool.Name}' is already recorded on this host.");
        }
    }

    public async Task<IReadOnlyList<PoolRecord>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<PoolRecord>(new CommandDefinition("""
            SELECT id AS Id, host_id AS HostId, name AS Name, type AS Type, target_path AS TargetPath,
                   source_device AS SourceDevice, source_host AS SourceHost, source_path AS SourcePath,
                   source_name AS SourceName, created_at AS CreatedAt
            FROM storage_pools ORDER BY host_id, name
            """, cancellationToken: ct))).ToList();
    }

    public async Task DeleteAsync(Guid hostId, string name, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM storage_pools WHERE host_id = @hostId AND name = @name", new { hostId, name }, cancellationToken: ct));
    }
}
