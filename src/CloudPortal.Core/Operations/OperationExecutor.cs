using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Operations;

/// <summary>
/// Runs operations in the background, off the request, and cancels them when the portal stops; an operation
/// cut short this way is found unfinished in the journal at the next start and resumed or rolled back.
/// </summary>
public sealed class OperationExecutor(ILogger<OperationExecutor> log) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    public void Start(Guid operationId, Func<CancellationToken, Task> work)
    {
        // The work waits until it is registered: one that ended at once would otherwise remove itself before being
        // added, and stay "running" for ever (the leftover-disk collector keeps what a running capture owns).
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await registered.Task;
            try
            {
                await work(_stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                log.LogInformation("Operation {Id} interrupted by shutdown; it resumes at the next start", operationId);
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Operation {Id} failed outside its own error handling", operationId);
            }
            finally
            {
                _running.TryRemove(operationId, out _);
            }
        });
        _running[operationId] = task;
        registered.SetResult();
    }

    public bool IsRunning(Guid operationId) => _running.ContainsKey(operationId);

    /// <summary>Waits for every running operation, for tests and orderly shutdown.</summary>
    public Task DrainAsync() => Task.WhenAll(_running.Values);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_running.Values);
        _stopping.Dispose();
    }
}
