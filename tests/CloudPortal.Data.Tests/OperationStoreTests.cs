using CloudPortal.Core.Common;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;
using CloudPortal.Data.Stores;

namespace CloudPortal.Data.Tests;

public sealed class OperationStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDatabase _db = new();
    private readonly OperationStore _store;

    public OperationStoreTests() => _store = new OperationStore(_db.Database);

    public void Dispose() => _db.Dispose();

    private static Operation NewOperation(DateTimeOffset? at = null, Guid? machineId = null) => new()
    {
        Id = Guid.NewGuid(),
        Kind = OperationKinds.Create,
        TenantId = DefaultTenant.Id,
        MachineId = machineId ?? Guid.NewGuid(),
        UserId = Guid.NewGuid(),
        State = OperationState.Pending,
        CreatedAt = at ?? Clock.Now(),
        UpdatedAt = at ?? Clock.Now(),
    };

    private async Task<Operation> InsertAsync(Operation operation)
    {
        await _store.InsertAsync(operation, None);
        return operation;
    }

    [Fact]
    public async Task InsertAsync_ThenGet_RoundTrips()
    {
        var operation = await InsertAsync(NewOperation() with { MachineId = null, UserId = null, Stage = "x", Progress = 7, Error = "e" });

        Assert.Equal(operation, await _store.GetAsync(operation.Id, None));
        Assert.Null(await _store.GetAsync(Guid.NewGuid(), None));
    }

    [Fact]
    public async Task RecordStepAsync_PendingOperation_RunningWithStageAndProgress()
    {
        var operation = await InsertAsync(NewOperation(Clock.Now().AddMinutes(-1)));

        await _store.RecordStepAsync(operation.Id, "define", "started", 10, "detail", None);

        var back = (await _store.GetAsync(operation.Id, None))!;
        Assert.Equal(OperationState.Running, back.State);
        Assert.Equal("define", back.Stage);
        Assert.Equal(10, back.Progress);
        Assert.True(back.UpdatedAt > operation.UpdatedAt);
        var step = Assert.Single(await _store.ListStepsAsync(operation.Id, None));
        Assert.Equal(("define", "started", "detail"), (step.Name, step.State, step.Detail));
        Assert.Equal(operation.Id, step.OperationId);
    }

    [Fact]
    public async Task ListStepsAsync_SeveralSteps_InRecordedOrderAndOnlyThisOperation()
    {
        var operation = await InsertAsync(NewOperation());
        var other = await InsertAsync(NewOperation());
        string[] names = ["define", "define", "start", "start", "rollback"];
        for (var i = 0; i < names.Length; i++)
        {
            await _store.RecordStepAsync(operation.Id, names[i], i % 2 == 0 ? "started" : "done", i * 20, null, None);
            await _store.RecordStepAsync(other.Id, "noise", "started", 1, null, None);
        }

        var steps = await _store.ListStepsAsync(operation.Id, None);

        Assert.Equal(names, steps.Select(s => s.Name));
        Assert.Equal(["started", "done", "started", "done", "started"], steps.Select(s => s.State));
        Assert.True(steps.Zip(steps.Skip(1)).All(p => p.First.Id < p.Second.Id && p.First.At <= p.Second.At));
        Assert.Equal(80, (await _store.GetAsync(operation.Id, None))!.Progress);
    }

    [Fact]
    public async Task FinishAsync_Succeeded_ProgressHundredAndNoError()
    {
        var operation = await InsertAsync(NewOperation());
        await _store.RecordStepAsync(operation.Id, "start", "started", 50, null, None);

        await _store.FinishAsync(operation.Id, OperationState.Succeeded, null, None);

        var back = (await _store.GetAsync(operation.Id, None))!;
        Assert.Equal(OperationState.Succeeded, back.State);
        Assert.Equal(100, back.Progress);
        Assert.Null(back.Error);
    }

    [Fact]
    public async Task FinishAsync_Failed_KeepsProgressAndError()
    {
        var operation = await InsertAsync(NewOperation());
        await _store.RecordStepAsync(operation.Id, "define", "started", 10, null, None);

        await _store.FinishAsync(operation.Id, OperationState.Failed, "libvirt said no", None);

        var back = (await _store.GetAsync(operation.Id, None))!;
        Assert.Equal(OperationState.Failed, back.State);
        Assert.Equal(10, back.Progress);
        Assert.Equal("libvirt said no", back.Error);
    }

    [Fact]
    public async Task ListUnfinishedAsync_Mixed_PendingAndRunningOldestFirst()
    {
        var start = Clock.Now();
        var running = await InsertAsync(NewOperation(start.AddSeconds(2)));
        await _store.RecordStepAsync(running.Id, "define", "started", 10, null, None);
        var pending = await InsertAsync(NewOperation(start.AddSeconds(1)));
        var succeeded = await InsertAsync(NewOperation(start));
        await _store.FinishAsync(succeeded.Id, OperationState.Succeeded, null, None);
        var failed = await InsertAsync(NewOperation(start));
        await _store.FinishAsync(failed.Id, OperationState.Failed, "x", None);
        var cancelled = await InsertAsync(NewOperation(start));
        await _store.FinishAsync(cancelled.Id, OperationState.Cancelled, null, None);

        var unfinished = await _store.ListUnfinishedAsync(None);

        Assert.Equal([pending.Id, running.Id], unfinished.Select(o => o.Id));
        Assert.Equal([OperationState.Pending, OperationState.Running], unfinished.Select(o => o.State));
    }

    [Fact]
    public async Task ListByMachineAsync_ThreeOperationsLimitTwo_NewestTwo()
    {
        var machineId = Guid.NewGuid();
        var start = Clock.Now();
        var first = await InsertAsync(NewOperation(start, machineId));
        var second = await InsertAsync(NewOperation(start.AddSeconds(1), machineId));
        var third = await InsertAsync(NewOperation(start.AddSeconds(2), machineId));
        await InsertAsync(NewOperation(start.AddSeconds(3)));

        var list = await _store.ListByMachineAsync(machineId, 2, None);

        Assert.Equal([third.Id, second.Id], list.Select(o => o.Id));
        Assert.DoesNotContain(first.Id, list.Select(o => o.Id));
    }
}
