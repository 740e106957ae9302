using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class UserStore(SqliteDatabase database) : IUserStore
{
    private const string Columns = """
        id AS Id, username AS Username, password_hash AS PasswordHash, role AS Role, tenant_id AS TenantId, created_at AS CreatedAt
        """;

    public async Task<User?> FindByUsernameAsync(string username, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE username = @username", new { username }, cancellationToken: ct));
    }

    public async Task<User?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<int> CountAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT count(*) FROM users", cancellationToken: ct));
    }

    public async Task InsertAsync(User user, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO users (id, username, password_hash, role, tenant_id, created_at)
                VALUES (@Id, @Username, @PasswordHash, @Role, @TenantId, @CreatedAt)
                """, user, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A user named '{user.Username}' already exists.");
        }
    }
}

public sealed class TokenStore(SqliteDatabase database) : ITokenStore
{
    public async Task InsertAsync(ApiToken token, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO api_tokens (id, token_hash, user_id, tenant_id, created_at, expires_at)
            VALUES (@Id, @TokenHash, @UserId, @TenantId, @CreatedAt, @ExpiresAt)
            """, token, cancellationToken: ct));
    }

    public async Task<(ApiToken Token, User User)?> FindValidAsync(string tokenHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ApiToken, User, (ApiToken, User)>(new CommandDefinition("""
            SELECT t.id AS Id, t.token_hash AS TokenHash, t.user_id AS UserId, t.tenant_id AS TenantId,
                   t.created_at AS CreatedAt, t.expires_at AS ExpiresAt,
                   u.id AS Id, u.username AS Username, u.password_hash AS PasswordHash, u.role AS Role,
                   u.tenant_id AS TenantId, u.created_at AS CreatedAt
            FROM api_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = @tokenHash AND t.expires_at > @now
            """, new { tokenHash, now }, cancellationToken: ct), (t, u) => (t, u), splitOn: "Id");
        return rows.Select(r => ((ApiToken, User)?)r).FirstOrDefault();
    }

    public async Task DeleteExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM api_tokens WHERE expires_at <= @now", new { now }, cancellationToken: ct));
    }
}

public sealed class InstallationStore(SqliteDatabase database) : IInstallationStore
{
    public async Task<Guid> GetOrCreateInstallationIdAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO installation (id, created_at) SELECT @id, @now WHERE NOT EXISTS (SELECT 1 FROM installation)
            """, new { id = Guid.NewGuid(), now = Clock.Now() }, cancellationToken: ct));
        return await connection.ExecuteScalarAsync<Guid>(new CommandDefinition("SELECT id FROM installation LIMIT 1", cancellationToken: ct));
    }
}
