using CloudPortal.Core.Common;
using CloudPortal.Core.Placement;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class PlacementGroupStore(SqliteDatabase database) : IPlacementGroupStore
{
    private const string Select = """
        SELECT g.id AS Id, g.tenant_id AS TenantId, g.name AS Name, g.policy AS Policy, g.strict = 1 AS Strict,
               g.created_at AS CreatedAt, (SELECT COUNT(*) FROM machine_placement_groups m WHERE m.group_id = g.id) AS Members
        FROM placement_groups g
        """;

    public async Task InsertAsync(PlacementGroup group, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO placement_groups (id, tenant_id, name, policy, strict, created_at)
                VALUES (@Id, @TenantId, @Name, @Policy, @Strict, @CreatedAt)
                """, group, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A placement group named '{group.Name}' already exists in this tenant.");
        }
    }

    public async Task<IReadOnlyList<PlacementGroup>> ListAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<PlacementGroup>(new CommandDefinition(
            $"{Select} WHERE g.tenant_id = @tenantId ORDER BY g.name", new { tenantId }, cancellationToken: ct))).ToList();
    }

    private sealed record MemberRow(Guid GroupId, string Name);

    public async Task<ILookup<Guid, string>> MemberNamesAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<MemberRow>(new CommandDefinition("""
            SELECT g.group_id AS GroupId, m.name AS Name FROM machine_placement_groups g JOIN machines m ON m.id = g.machine_id
            WHERE m.tenant_id = @tenantId ORDER BY m.name
            """, new { tenantId }, cancellationToken: ct))).ToLookup(r => r.GroupId, r => r.Name);
    }

    public async Task<IReadOnlyList<PlacementGroup>> ListStrictAntiAffinityAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<PlacementGroup>(new CommandDefinition($"""
            {Select} WHERE g.strict = 1 AND g.policy = 'anti-affinity'
              AND EXISTS (SELECT 1 FROM machine_placement_groups m WHERE m.group_id = g.id)
            ORDER BY g.name
            """, cancellationToken: ct))).ToList();
    }

    public async Task<PlacementGroup?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PlacementGroup>(new CommandDefinition(
            $"{Select} WHERE g.id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlySet<Guid>> MemberHostsAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT DISTINCT m.host_id FROM machine_placement_groups g JOIN machines m ON m.id = g.machine_id WHERE g.group_id = @id
            """, new { id }, cancellationToken: ct))).ToHashSet();
    }

    public async Task<IReadOnlySet<Guid>> MemberHostsAsync(Guid id, Guid exceptMachineId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT DISTINCT m.host_id FROM machine_placement_groups g JOIN machines m ON m.id = g.machine_id
            WHERE g.group_id = @id AND m.id <> @exceptMachineId
            """, new { id, exceptMachineId }, cancellationToken: ct))).ToHashSet();
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var members = (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT m.name FROM machine_placement_groups g JOIN machines m ON m.id = g.machine_id
            WHERE g.group_id = @id ORDER BY m.name LIMIT 21
            """, new { id }, transaction, cancellationToken: ct))).ToList();
        if (members.Count > 0)
            throw new ConflictException($"The placement group still holds machines: {UserStore.OwnedList(members)}. Delete them first.");
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM placement_groups WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }
}
