using System.Data.Common;
using CloudPortal.Core.Common;
using CloudPortal.Core.Tenancy;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class TenantStore(SqliteDatabase database) : ITenantStore
{
    private const string Columns = "id AS Id, name AS Name, disabled = 1 AS Disabled, isolation AS Isolation, placement_mode AS PlacementMode, created_at AS CreatedAt";

    public async Task<IReadOnlyList<Tenant>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Tenant>(new CommandDefinition(
            $"SELECT {Columns} FROM tenants ORDER BY name", cancellationToken: ct))).ToList();
    }

    public async Task<Tenant?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Tenant>(new CommandDefinition(
            $"SELECT {Columns} FROM tenants WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task InsertAsync(Tenant tenant, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO tenants (id, name, disabled, created_at) VALUES (@Id, @Name, @Disabled, @CreatedAt)
                """, tenant, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A tenant named '{tenant.Name}' already exists.");
        }
    }

    public async Task RenameAsync(Guid id, string name, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("UPDATE tenants SET name = @name WHERE id = @id", new { id, name }, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A tenant named '{name}' already exists.");
        }
    }

    public async Task SetDisabledAsync(Guid id, bool disabled, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE tenants SET disabled = @disabled WHERE id = @id", new { id, disabled }, cancellationToken: ct));
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var owned = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM machines WHERE tenant_id = @id ORDER BY name LIMIT 21", new { id }, transaction, cancellationToken: ct))).ToList();
        if (owned.Count > 0)
            throw new ConflictException($"The tenant still owns machines: {UserStore.OwnedList(owned)}. Delete them first.");
        var images = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM images WHERE tenant_id = @id ORDER BY name LIMIT 21", new { id }, transaction, cancellationToken: ct))).ToList();
        if (images.Count > 0)
            throw new ConflictException($"The tenant still owns images: {UserStore.OwnedList(images)}. Delete them first.");
        // Users who called this tenant home fall back to another tenant they belong to at their next sign-in.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET home_tenant_id = @defaultTenant WHERE home_tenant_id = @id",
            new { id, defaultTenant = DefaultTenant.Id }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM api_tokens WHERE tenant_id = @id", new { id }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM tenants WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }
}

public sealed class MembershipStore(SqliteDatabase database) : IMembershipStore
{
    private const string Select = """
        SELECT m.user_id AS UserId, u.username AS Username, m.tenant_id AS TenantId, t.name AS TenantName,
               m.role AS Role, m.created_at AS CreatedAt
        FROM memberships m JOIN users u ON u.id = m.user_id JOIN tenants t ON t.id = m.tenant_id
        """;

    public async Task<IReadOnlyList<Membership>> ListByUserAsync(Guid userId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Membership>(new CommandDefinition(
            $"{Select} WHERE m.user_id = @userId ORDER BY t.name", new { userId }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<Membership>> ListByTenantAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Membership>(new CommandDefinition(
            $"{Select} WHERE m.tenant_id = @tenantId ORDER BY u.username", new { tenantId }, cancellationToken: ct))).ToList();
    }

    public async Task<string?> GetRoleAsync(Guid userId, Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT role FROM memberships WHERE user_id = @userId AND tenant_id = @tenantId", new { userId, tenantId }, cancellationToken: ct));
    }

    public async Task SetAsync(Guid userId, Guid tenantId, string role, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await UpsertAsync(connection, null, userId, tenantId, role, Clock.Now(), ct);
    }

    internal static Task UpsertAsync(DbConnection connection, DbTransaction? transaction, Guid userId, Guid tenantId, string role,
        DateTimeOffset now, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO memberships (user_id, tenant_id, role, created_at) VALUES (@userId, @tenantId, @role, @now)
            ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role
            """, new { userId, tenantId, role, now }, transaction, cancellationToken: ct));

    public async Task<bool> RemoveAsync(Guid userId, Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM memberships WHERE user_id = @userId AND tenant_id = @tenantId", new { userId, tenantId }, cancellationToken: ct)) == 1;
    }
}
