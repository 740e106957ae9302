using CloudPortal.Core.Operations;
using Microsoft.Extensions.Logging.Abstractions;

namespace CloudPortal.Core.Tests.Unit;

public sealed class OperationExecutorTests
{
    [Fact]
    public async Task IsRunning_WorkInProgress_TrueUntilItEnds()
    {
        await using var executor = new OperationExecutor(NullLogger<OperationExecutor>.Instance);
        var id = Guid.NewGuid();
        var release = new TaskCompletionSource();

        executor.Start(id, ct => release.Task.WaitAsync(ct));

        Assert.True(executor.IsRunning(id));
        release.SetResult();
        await executor.DrainAsync();
        Assert.False(executor.IsRunning(id));
    }
}
