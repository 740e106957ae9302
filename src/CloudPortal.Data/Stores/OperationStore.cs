using System.Data.Common;
using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using Dapper;

namespace CloudPortal.Data.Stores;

public sealed class OperationStore(SqliteDatabase database) : IOperationStore
{
    private const string Columns = """
        id AS Id, kind AS Kind, tenant_id AS TenantId, machine_id AS MachineId, user_id AS UserId, state AS State,
        stage AS Stage, progress AS Progress, error AS Error, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task InsertAsync(Operation operation, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await InsertAsync(connection, null, operation, ct);
    }

    internal static Task InsertAsync(DbConnection connection, DbTransaction? transaction, Operation operation, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO operations (id, kind, tenant_id, machine_id, user_id, state, stage, progress, error, created_at, updated_at)
            VALUES (@Id, @Kind, @TenantId, @MachineId, @UserId, @State, @Stage, @Progress, @Error, @CreatedAt, @UpdatedAt)
            """,
            new
            {
                operation.Id, operation.Kind, operation.TenantId, operation.MachineId, operation.UserId,
                State = Text(operation.State), operation.Stage, operation.Progress, operation.Error,
                operation.CreatedAt, operation.UpdatedAt,
            }, transaction, cancellationToken: ct));

    public async Task<Operation?> GetAsync(Guid id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<Operation>(new CommandDefinition(
            $"SELECT {Columns} FROM operations WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<Operation>> ListUnfinishedAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Operation>(new CommandDefinition(
            $"SELECT {Columns} FROM operations WHERE state IN ('pending', 'running') ORDER BY created_at", cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<Operation>> ListByMachineAsync(Guid machineId, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<Operation>(new CommandDefinition(
            $"SELECT {Columns} FROM operations WHERE machine_id = @machineId ORDER BY created_at DESC LIMIT @limit",
            new { machineId, limit }, cancellationToken: ct))).ToList();
    }

    public async Task<IReadOnlyList<OperationStep>> ListStepsAsync(Guid operationId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<OperationStep>(new CommandDefinition("""
            SELECT id AS Id, operation_id AS OperationId, name AS Name, state AS State, detail AS Detail, at AS At
            FROM operation_steps WHERE operation_id = @operationId ORDER BY id
            """, new { operationId }, cancellationToken: ct))).ToList();
    }

    public async Task RecordStepAsync(Guid operationId, string step, string state, int progress, string? detail, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var now = Clock.Now();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO operation_steps (operation_id, name, state, detail, at) VALUES (@operationId, @step, @state, @detail, @now)
            """, new { operationId, step, state, detail, now }, transaction, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE operations SET state = 'running', stage = @step, progress = @progress, updated_at = @now WHERE id = @operationId
            """, new { operationId, step, progress, now }, transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
    }

    public async Task FinishAsync(Guid operationId, OperationState state, string? error, CancellationToken ct)
    {
        await using var connection = await database.OpenForWriteAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE operations SET state = @state, error = @error, progress = CASE WHEN @state = 'succeeded' THEN 100 ELSE progress END,
                   updated_at = @now
            WHERE id = @operationId
            """, new { operationId, state = Text(state), error, now = Clock.Now() }, cancellationToken: ct));
    }

    private static string Text(OperationState state) => state.ToString().ToLowerInvariant();
}
