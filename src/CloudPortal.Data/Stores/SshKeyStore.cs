using CloudPortal.Core.CloudInit;
using CloudPortal.Core.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class SshKeyStore(SqliteDatabase database) : ISshKeyStore
{
    public async Task InsertAsync(SshKey key, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ssh_keys (id, user_id, name, public_key, fingerprint, created_at)
                VALUES (@Id, @UserId, @Name, @PublicKey, @Fingerprint, @CreatedAt)
                """, key, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"Your profile already has a key named '{key.Name}' or the key {key.Fingerprint}.");
        }
    }

    public async Task<IReadOnlyList<SshKey>> ListAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<SshKey>(new CommandDefinition("""
            SELECT id AS Id, user_id AS UserId, name AS Name, public_key AS PublicKey, fingerprint AS Fingerprint, created_at AS CreatedAt
            FROM ssh_keys WHERE user_id = @userId ORDER BY name, id
            """, new { userId }, cancellationToken: ct))).ToList();
    }

    public async Task<bool> DeleteAsync(Guid userId, Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM ssh_keys WHERE id = @id AND user_id = @userId", new { id, userId }, cancellationToken: ct)) == 1;
    }
}
