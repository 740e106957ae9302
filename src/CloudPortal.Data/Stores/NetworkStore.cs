using System.Net;
using CloudPortal.Core.Common;
using CloudPortal.Core.Networks;
using CloudPortal.Core.Quotas;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class NetworkStore(SqliteDatabase database) : INetworkStore
{
    private const string Select = """
        SELECT n.id AS Id, n.tenant_id AS TenantId, n.name AS Name, n.mode AS Mode, n.subnet_index AS SubnetIndex, n.cidr AS Cidr,
               n.is_default = 1 AS IsDefault, n.created_at AS CreatedAt,
               (SELECT COUNT(*) FROM machine_nics m WHERE m.network_id = n.id) AS Machines
        FROM tenant_networks n
        """;

    public async Task<TenantNetwork> InsertAsync(TenantNetwork network, SubnetPool pool, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var (limits, _) = await QuotaLedger.LimitsAsync(connection, transaction, network.TenantId, ct);
        long count = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM tenant_networks WHERE tenant_id = @TenantId", network, transaction, cancellationToken: ct));
        if (limits.Networks is { } limit && count + 1 > limit)
            throw new QuotaExceededException([$"{QuotaResource.Networks.Label()}: limit {limit}, used {count}, requested 1"]);

        var used = (await connection.QueryAsync<int>(new CommandDefinition(
            "SELECT subnet_index FROM tenant_networks ORDER BY subnet_index", transaction: transaction, cancellationToken: ct))).ToList();
        int index = LowestFree(used, 0);
        if (index >= pool.Slices)
            throw new ConflictException($"The network pool {pool.Cidr} is full: all {pool.Slices} /24 networks are in use.");
        var placed = network with { SubnetIndex = index, Cidr = pool.Subnet(index).ToString() };
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO tenant_networks (id, tenant_id, name, mode, subnet_index, cidr, is_default, created_at)
                VALUES (@Id, @TenantId, @Name, @Mode, @SubnetIndex, @Cidr, @IsDefault, @CreatedAt)
                """, placed, transaction, cancellationToken: ct));
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A network named '{network.Name}' already exists in this tenant.");
        }
        await transaction.CommitAsync(ct);
        return placed;
    }

    public async Task<Page<TenantNetwork>> ListAsync(Guid tenantId, PageRequest page, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<TenantNetwork>(new CommandDefinition($"""
            {Select} WHERE n.tenant_id = @tenantId AND (@cursor IS NULL OR n.name > @cursor) ORDER BY n.name LIMIT @take
            """, new { tenantId, cursor = page.Cursor, take = page.Limit + 1 }, cancellationToken: ct))).ToList();
        string? next = rows.Count > page.Limit ? rows[page.Limit - 1].Name : null;
        return new Page<TenantNetwork>(rows.Take(page.Limit).ToList(), next);
    }

    public async Task<TenantNetwork?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TenantNetwork>(new CommandDefinition($"{Select} WHERE n.id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<TenantNetwork?> GetDefaultAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<TenantNetwork>(new CommandDefinition(
            $"{Select} WHERE n.tenant_id = @tenantId AND n.is_default = 1", new { tenantId }, cancellationToken: ct));
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var users = (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT m.name FROM machine_nics n JOIN machines m ON m.id = n.machine_id WHERE n.network_id = @id ORDER BY m.name LIMIT 21
            """, new { id }, transaction, cancellationToken: ct))).ToList();
        if (users.Count > 0)
            throw new ConflictException($"The network is still used by machines: {UserStore.OwnedList(users)}. Delete them first.");
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM tenant_networks WHERE id = @id", new { id }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    public async Task<NicAssignment> AddNicAsync(Guid machineId, TenantNetwork network, Guid securityGroupId, CancellationToken ct)
    {
        var subnet = IPNetwork.Parse(network.Cidr);
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var taken = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT ip_address FROM machine_nics WHERE network_id = @id", new { id = network.Id }, transaction, cancellationToken: ct)))
            .Select(a => (int)IPAddress.Parse(a).GetAddressBytes()[3]).Order().ToList();
        int host = LowestFree(taken, SubnetPool.FirstHost);
        if (host > SubnetPool.LastHost)
            throw new ConflictException($"Network '{network.Name}' is full: all {SubnetPool.LastHost - SubnetPool.FirstHost + 1} addresses are in use.");
        var address = SubnetPool.Host(subnet, host);
        var nic = new NicAssignment(machineId, network.Id, securityGroupId, SubnetPool.MacFor(address), address.ToString());
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO machine_nics (machine_id, network_id, security_group_id, mac, ip_address)
            VALUES (@MachineId, @NetworkId, @SecurityGroupId, @Mac, @IpAddress)
            """, nic, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return nic;
    }

    private const string SelectNic = """
        SELECT machine_id AS MachineId, network_id AS NetworkId, security_group_id AS SecurityGroupId, mac AS Mac, ip_address AS IpAddress
        FROM machine_nics
        """;

    public async Task<NicAssignment?> GetNicAsync(Guid machineId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<NicAssignment>(new CommandDefinition(
            $"{SelectNic} WHERE machine_id = @machineId", new { machineId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<NicAssignment>> ListNicsAsync(Guid networkId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<NicAssignment>(new CommandDefinition(
            $"{SelectNic} WHERE network_id = @networkId ORDER BY ip_address", new { networkId }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<string>> AddressesOfGroupAsync(Guid securityGroupId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT ip_address FROM machine_nics WHERE security_group_id = @securityGroupId ORDER BY ip_address",
            new { securityGroupId }, cancellationToken: ct))).ToList();
    }

    public async Task RecordOnHostAsync(Guid objectId, Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT OR IGNORE INTO host_network_objects (object_id, host_id) VALUES (@objectId, @hostId)", new { objectId, hostId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<Guid>> HostsOfAsync(Guid objectId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT host_id FROM host_network_objects WHERE object_id = @objectId", new { objectId }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<Guid>> ObjectsOnHostAsync(Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT object_id FROM host_network_objects WHERE host_id = @hostId ORDER BY object_id", new { hostId }, cancellationToken: ct))).ToList();
    }

    public async Task ForgetHostAsync(Guid objectId, Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM host_network_objects WHERE object_id = @objectId AND host_id = @hostId", new { objectId, hostId }, cancellationToken: ct));
    }

    /// <summary>The lowest value from <paramref name="start"/> on that the sorted list does not hold.</summary>
    internal static int LowestFree(IReadOnlyList<int> sorted, int start)
    {
        int candidate = start;
        foreach (int value in sorted)
        {
            if (value < candidate)
                continue;
            if (value > candidate)
                break;
            candidate++;
        }
        return candidate;
    }
}
