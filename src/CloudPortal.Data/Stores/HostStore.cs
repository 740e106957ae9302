using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class HostStore(SqliteDatabase database) : IHostStore
{
    private const string Columns = "id AS Id, name AS Name, uri AS Uri, created_at AS CreatedAt";

    public async Task<IReadOnlyList<Host>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Host>(new CommandDefinition(
            $"SELECT {Columns} FROM hosts ORDER BY created_at, name", cancellationToken: ct))).ToList();
    }

    public async Task<Host?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Host>(new CommandDefinition(
            $"SELECT {Columns} FROM hosts WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task InsertAsync(Host host, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO hosts (id, name, uri, created_at) VALUES (@Id, @Name, @Uri, @CreatedAt)
                """, host, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A host with the name '{host.Name}' or the URI '{host.Uri}' is already registered.");
        }
    }
}
