using System.Text;
using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using Dapper;
using Microsoft.Data.Sqlite;

namespace CloudPortal.Data.Stores;

public sealed class MachineStore(SqliteDatabase database) : IMachineStore
{
    private const string Columns = """
        id AS Id, name AS Name, tenant_id AS TenantId, owner_id AS OwnerId, host_id AS HostId, state AS State,
        vcpus AS Vcpus, memory_mib AS MemoryMiB, domain_uuid AS DomainUuid, last_error AS LastError,
        created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task InsertWithOperationAsync(Machine machine, Operation operation, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO machines (id, name, tenant_id, owner_id, host_id, state, vcpus, memory_mib, domain_uuid, last_error, created_at, updated_at)
                VALUES (@Id, @Name, @TenantId, @OwnerId, @HostId, @State, @Vcpus, @MemoryMiB, @DomainUuid, @LastError, @CreatedAt, @UpdatedAt)
                """,
                new
                {
                    machine.Id, machine.Name, machine.TenantId, machine.OwnerId, machine.HostId,
                    State = machine.State.ToContractName(), machine.Vcpus, machine.MemoryMiB, machine.DomainUuid,
                    machine.LastError, machine.CreatedAt, machine.UpdatedAt,
                }, transaction, cancellationToken: ct));
            await OperationStore.InsertAsync(connection, transaction, operation, ct);
            await transaction.CommitAsync(ct);
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUniqueViolation(ex))
        {
            throw new ConflictException($"A machine named '{machine.Name}' already exists in this tenant.");
        }
    }

    public async Task<Machine?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Machine>(new CommandDefinition(
            $"SELECT {Columns} FROM machines WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<Machine?> GetByDomainUuidAsync(Guid domainUuid, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Machine>(new CommandDefinition(
            $"SELECT {Columns} FROM machines WHERE domain_uuid = @domainUuid", new { domainUuid }, cancellationToken: ct));
    }

    /// <summary>Newest first; the cursor is the (created_at, id) of the last row of the previous page.</summary>
    public async Task<Page<Machine>> ListAsync(Guid? tenantId, PageRequest page, CancellationToken ct)
    {
        var (afterCreated, afterId) = DecodeCursor(page.Cursor);
        await using var connection = await database.OpenAsync(ct);
        var rows = (await connection.QueryAsync<Machine>(new CommandDefinition($"""
            SELECT {Columns} FROM machines
            WHERE (@tenantId IS NULL OR tenant_id = @tenantId)
              AND (@filter IS NULL OR name LIKE '%' || @filter || '%' ESCAPE '\' OR state = lower(@filterExact))
              AND (@afterCreated IS NULL OR created_at < @afterCreated OR (created_at = @afterCreated AND id < @afterId))
            ORDER BY created_at DESC, id DESC
            LIMIT @take
            """,
            new
            {
                tenantId,
                filter = string.IsNullOrWhiteSpace(page.Filter) ? null : EscapeLike(page.Filter.Trim()),
                filterExact = page.Filter?.Trim(),
                afterCreated,
                afterId,
                take = page.Limit + 1,
            }, cancellationToken: ct))).ToList();
        string? next = null;
        if (rows.Count > page.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = EncodeCursor(rows[^1]);
        }
        return new Page<Machine>(rows, next);
    }

    public async Task<IReadOnlyList<Machine>> ListByHostAsync(Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Machine>(new CommandDefinition(
            $"SELECT {Columns} FROM machines WHERE host_id = @hostId ORDER BY name", new { hostId }, cancellationToken: ct))).ToList();
    }

    public async Task<int> CountRunningByHostAsync(Guid hostId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM machines WHERE host_id = @hostId AND state = 'running'", new { hostId }, cancellationToken: ct));
    }

    public async Task<bool> UpdateStateAsync(Guid id, MachineState state, string? lastError, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE machines SET state = @state, last_error = @lastError, updated_at = @now WHERE id = @id
            """, new { id, state = state.ToContractName(), lastError, now = Clock.Now() }, cancellationToken: ct));
        return changed == 1;
    }

    public async Task<bool> TryBeginAsync(Guid id, MachineState transitional, Operation operation, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE machines SET state = @state, last_error = NULL, updated_at = @now
            WHERE id = @id AND state NOT IN ('provisioning', 'deleting', 'migrating')
            """, new { id, state = transitional.ToContractName(), now = Clock.Now() }, transaction, cancellationToken: ct));
        if (changed != 1)
            return false;
        await OperationStore.InsertAsync(connection, transaction, operation, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM machines WHERE id = @id", new { id }, cancellationToken: ct));
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");

    private static string EncodeCursor(Machine last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DapperTypeHandlers.Text(last.CreatedAt)}|{last.Id}"));

    private static (string? CreatedAt, string? Id) DecodeCursor(string? cursor)
    {
        if (cursor is null)
            return (null, null);
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(cursor)).Split('|');
            if (parts.Length == 2 && DateTimeOffset.TryParse(parts[0], out _) && Guid.TryParse(parts[1], out var id))
                return (parts[0], id.ToString("D"));
        }
        catch (FormatException)
        {
        }
        throw ValidationFailedException.For("cursor", "cursor is not one this API handed out.");
    }
}
