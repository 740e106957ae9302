using CloudPortal.Core.Common;
using CloudPortal.Core.Networks;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class SecurityGroupStore(SqliteDatabase database) : ISecurityGroupStore
{
    private const string Select = """
        SELECT id AS Id, tenant_id AS TenantId, name AS Name, is_default = 1 AS IsDefault, created_at AS CreatedAt FROM security_groups
        """;

    private const string SelectRules = """
        SELECT id AS Id, group_id AS GroupId, protocol AS Protocol, port_from AS PortFrom, port_to AS PortTo,
               source_cidr AS SourceCidr, source_group_id AS SourceGroupId
        FROM security_group_rules
        """;

    public async Task InsertAsync(SecurityGroup group, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO security_groups (id, tenant_id, name, is_default, created_at) VALUES (@Id, @TenantId, @Name, @IsDefault, @CreatedAt)
                """, group, transaction, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A security group named '{group.Name}' already exists in this tenant.");
        }
        foreach (var rule in group.Rules)
            await InsertRuleAsync(connection, transaction, rule, ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<SecurityGroup>> ListAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var groups = (await connection.QueryAsync<SecurityGroup>(new CommandDefinition(
            $"{Select} WHERE tenant_id = @tenantId ORDER BY name", new { tenantId }, cancellationToken: ct))).ToList();
        var rules = (await connection.QueryAsync<SecurityGroupRule>(new CommandDefinition($"""
            {SelectRules} WHERE group_id IN (SELECT id FROM security_groups WHERE tenant_id = @tenantId) ORDER BY created_at, id
            """, new { tenantId }, cancellationToken: ct))).ToLookup(r => r.GroupId);
        return groups.Select(g => g with { Rules = rules[g.Id].ToList() }).ToList();
    }

    public Task<SecurityGroup?> GetAsync(Guid id, CancellationToken ct) => GetWhereAsync("id = @id", new { id }, ct);

    public Task<SecurityGroup?> GetDefaultAsync(Guid tenantId, CancellationToken ct) =>
        GetWhereAsync("tenant_id = @tenantId AND is_default = 1", new { tenantId }, ct);

    private async Task<SecurityGroup?> GetWhereAsync(string where, object parameters, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var group = await connection.QuerySingleOrDefaultAsync<SecurityGroup>(new CommandDefinition($"{Select} WHERE {where}", parameters, cancellationToken: ct));
        if (group is null)
            return null;
        var rules = await connection.QueryAsync<SecurityGroupRule>(new CommandDefinition(
            $"{SelectRules} WHERE group_id = @id ORDER BY created_at, id", new { id = group.Id }, cancellationToken: ct));
        return group with { Rules = rules.ToList() };
    }

    public async Task AddRuleAsync(SecurityGroupRule rule, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await InsertRuleAsync(connection, transaction, rule, ct);
        await transaction.CommitAsync(ct);
    }

    private static Task InsertRuleAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, SecurityGroupRule rule, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO security_group_rules (id, group_id, protocol, port_from, port_to, source_cidr, source_group_id, created_at)
            VALUES (@Id, @GroupId, @Protocol, @PortFrom, @PortTo, @SourceCidr, @SourceGroupId, @now)
            """, new { rule.Id, rule.GroupId, rule.Protocol, rule.PortFrom, rule.PortTo, rule.SourceCidr, rule.SourceGroupId, now = Clock.Now() },
            transaction, cancellationToken: ct));

    public async Task<IReadOnlyList<Guid>> UsedOnHostAsync(Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT DISTINCT n.security_group_id FROM machine_nics n JOIN machines m ON m.id = n.machine_id
            WHERE m.host_id = @hostId ORDER BY n.security_group_id
            """, new { hostId }, cancellationToken: ct))).ToList();
    }

    public async Task<bool> RemoveRuleAsync(Guid groupId, Guid ruleId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM security_group_rules WHERE id = @ruleId AND group_id = @groupId", new { groupId, ruleId }, cancellationToken: ct)) == 1;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var users = (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT m.name FROM machine_nics n JOIN machines m ON m.id = n.machine_id WHERE n.security_group_id = @id ORDER BY m.name LIMIT 21
            """, new { id }, transaction, cancellationToken: ct))).ToList();
        if (users.Count > 0)
            throw new ConflictException($"The security group is still used by machines: {UserStore.OwnedList(users)}. Delete them first.");
        var referrers = (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT DISTINCT g.name FROM security_group_rules r JOIN security_groups g ON g.id = r.group_id
            WHERE r.source_group_id = @id AND r.group_id <> @id ORDER BY g.name LIMIT 21
            """, new { id }, transaction, cancellationToken: ct))).ToList();
        if (referrers.Count > 0)
            throw new ConflictException($"Rules of other security groups name this one as their source: {UserStore.OwnedList(referrers)}. Remove those rules first.");
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM security_group_rules WHERE group_id = @id", new { id }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM security_groups WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }
}
