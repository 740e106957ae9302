using System.Data.Common;
using CloudPortal.Core.Accounts;
using CloudPortal.Core.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class UserStore(SqliteDatabase database) : IUserStore
{
    // A user's Role is "admin" for cloud administrators, else its role in its home tenant.
    internal const string Select = """
        SELECT u.id AS Id, u.username AS Username, u.password_hash AS PasswordHash,
               CASE WHEN u.is_admin = 1 THEN 'admin'
                    ELSE coalesce((SELECT m.role FROM memberships m WHERE m.user_id = u.id AND m.tenant_id = u.home_tenant_id), 'viewer')
               END AS Role,
               u.home_tenant_id AS TenantId, u.disabled = 1 AS Disabled, u.created_at AS CreatedAt
        FROM users u
        """;

    public async Task<User?> FindByUsernameAsync(string username, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"{Select} WHERE u.username = @username", new { username }, cancellationToken: ct));
    }

    public async Task<User?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"{Select} WHERE u.id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<int> CountAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT count(*) FROM users", cancellationToken: ct));
    }

    public async Task<IReadOnlyList<User>> ListAsync(Guid? memberOf, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<User>(new CommandDefinition($"""
            {Select}
            WHERE @memberOf IS NULL OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.tenant_id = @memberOf)
            ORDER BY u.username
            """, new { memberOf }, cancellationToken: ct))).ToList();
    }

    public async Task InsertAsync(User user, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO users (id, username, password_hash, is_admin, disabled, home_tenant_id, created_at)
                VALUES (@Id, @Username, @PasswordHash, @IsAdmin, @Disabled, @TenantId, @CreatedAt)
                """, new { user.Id, user.Username, user.PasswordHash, user.IsAdmin, user.Disabled, user.TenantId, user.CreatedAt },
                transaction, cancellationToken: ct));
            // Administrators administer their home tenant too, so that they appear among its members.
            await MembershipStore.UpsertAsync(connection, transaction, user.Id, user.TenantId,
                user.IsAdmin ? Roles.TenantAdmin : user.Role, user.CreatedAt, ct);
            await transaction.CommitAsync(ct);
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A user named '{user.Username}' already exists.");
        }
    }

    public Task SetPasswordHashAsync(Guid id, string passwordHash, CancellationToken ct) =>
        ExecuteAsync("UPDATE users SET password_hash = @passwordHash WHERE id = @id", new { id, passwordHash }, ct);

    public Task SetDisabledAsync(Guid id, bool disabled, CancellationToken ct) =>
        ExecuteAsync("UPDATE users SET disabled = @disabled WHERE id = @id", new { id, disabled }, ct);

    public Task SetAdminAsync(Guid id, bool isAdmin, CancellationToken ct) =>
        ExecuteAsync("UPDATE users SET is_admin = @isAdmin WHERE id = @id", new { id, isAdmin }, ct);

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var owned = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM machines WHERE owner_id = @id ORDER BY name LIMIT 21", new { id }, transaction, cancellationToken: ct))).ToList();
        if (owned.Count > 0)
            throw new ConflictException($"The user still owns machines: {OwnedList(owned)}. Delete them first.");
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM users WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    internal static string OwnedList(IReadOnlyList<string> names) =>
        names.Count > 20 ? string.Join(", ", names.Take(20)) + " and more" : string.Join(", ", names);

    private async Task ExecuteAsync(string sql, object parameters, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: ct));
    }
}

public sealed class TokenStore(SqliteDatabase database) : ITokenStore
{
    private const string TokenColumns = """
        t.id AS Id, t.token_hash AS TokenHash, t.user_id AS UserId, t.tenant_id AS TenantId, t.created_at AS CreatedAt,
        t.expires_at AS ExpiresAt, t.kind AS Kind, t.name AS Name, t.revoked_at AS RevokedAt, t.last_used_at AS LastUsedAt
        """;

    public async Task InsertAsync(ApiToken token, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO api_tokens (id, token_hash, user_id, tenant_id, created_at, expires_at, kind, name)
            VALUES (@Id, @TokenHash, @UserId, @TenantId, @CreatedAt, @ExpiresAt, @Kind, @Name)
            """, token, cancellationToken: ct));
    }

    public async Task<(ApiToken Token, User User)?> FindValidAsync(string tokenHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        var token = await connection.QuerySingleOrDefaultAsync<ApiToken>(new CommandDefinition($"""
            SELECT {TokenColumns} FROM api_tokens t
            WHERE t.token_hash = @tokenHash AND t.expires_at > @now AND t.revoked_at IS NULL
            """, new { tokenHash, now }, cancellationToken: ct));
        if (token is null)
            return null;
        var user = await connection.QuerySingleOrDefaultAsync<User>(new CommandDefinition(
            $"{UserStore.Select} WHERE u.id = @id", new { id = token.UserId }, cancellationToken: ct));
        if (user is null)
            return null;
        if (token.Kind == TokenKinds.ApiKey)
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE api_tokens SET last_used_at = @now WHERE id = @id", new { now, id = token.Id }, cancellationToken: ct));
        return (token, user);
    }

    public async Task DeleteExpiredAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM api_tokens WHERE expires_at <= @now", new { now }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<ApiToken>> ListApiKeysAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<ApiToken>(new CommandDefinition($"""
            SELECT {TokenColumns} FROM api_tokens t WHERE t.user_id = @userId AND t.kind = 'key' ORDER BY t.created_at DESC
            """, new { userId }, cancellationToken: ct))).ToList();
    }

    public async Task<bool> RevokeApiKeyAsync(Guid userId, Guid keyId, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE api_tokens SET revoked_at = coalesce(revoked_at, @now) WHERE id = @keyId AND user_id = @userId AND kind = 'key'
            """, new { userId, keyId, now }, cancellationToken: ct)) == 1;
    }

    public async Task RevokeAllAsync(Guid userId, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE api_tokens SET revoked_at = @now WHERE user_id = @userId AND revoked_at IS NULL", new { userId, now }, cancellationToken: ct));
    }
}

public sealed class InstallationStore(SqliteDatabase database) : IInstallationStore
{
    public async Task<Guid> GetOrCreateInstallationIdAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO installation (id, created_at) SELECT @id, @now WHERE NOT EXISTS (SELECT 1 FROM installation)
            """, new { id = Guid.NewGuid(), now = Clock.Now() }, cancellationToken: ct));
        return await connection.ExecuteScalarAsync<Guid>(new CommandDefinition("SELECT id FROM installation LIMIT 1", cancellationToken: ct));
    }
}
