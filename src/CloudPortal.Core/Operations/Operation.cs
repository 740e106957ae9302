namespace CloudPortal.Core.Operations;

/// <summary>A long action in the journal: every step is recorded before it is done, so a restart can resume or roll back.</summary>
public sealed record Operation
{
    public Guid Id { get; init; }
    public required string Kind { get; init; }
    public Guid TenantId { get; init; }
    public Guid? MachineId { get; init; }
    public Guid? UserId { get; init; }
    public OperationState State { get; init; }
    public string? Stage { get; init; }
    public int Progress { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public enum OperationState { Pending, Running, Succeeded, Failed, Cancelled }

public static class OperationKinds
{
    public const string Create = "create";
    public const string Delete = "delete";
    public const string Shutdown = "shutdown";
    public const string Resize = "resize";
    public const string Rename = "rename";
    public const string Capture = "capture";
}

public sealed record OperationStep
{
    public long Id { get; init; }
    public Guid OperationId { get; init; }
    public required string Name { get; init; }
    public required string State { get; init; }
    public string? Detail { get; init; }
    public DateTimeOffset At { get; init; }
}

public interface IOperationStore
{
    Task InsertAsync(Operation operation, CancellationToken ct);
    Task<Operation?> GetAsync(Guid id, CancellationToken ct);
    Task<IReadOnlyList<Operation>> ListUnfinishedAsync(CancellationToken ct);
    Task<IReadOnlyList<Operation>> ListByMachineAsync(Guid machineId, int limit, CancellationToken ct);
    Task<IReadOnlyList<OperationStep>> ListStepsAsync(Guid operationId, CancellationToken ct);
    /// <summary>Records a step (and the operation's stage and progress) before the step is carried out.</summary>
    Task RecordStepAsync(Guid operationId, string step, string state, int progress, string? detail, CancellationToken ct);
    Task FinishAsync(Guid operationId, OperationState state, string? error, CancellationToken ct);
}
