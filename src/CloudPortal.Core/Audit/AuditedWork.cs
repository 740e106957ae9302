using CloudPortal.Core.Common;

namespace CloudPortal.Core.Audit;

public static class AuditedWork
{
    /// <summary>
    /// Runs one change and records it in the audit log: succeeded (with a detail made from the result), or
    /// failed/denied with the error's message. The error is rethrown untouched; the audit never hides it.
    /// </summary>
    public static async Task<T> RunAsync<T>(this IAuditLog audit, Caller caller, string action, string targetType,
        string? targetId, string? targetName, Func<Task<T>> work, Func<T, string?>? detail, CancellationToken ct)
    {
        T result;
        try
        {
            result = await work();
        }
        catch (Exception ex)
        {
            await audit.RecordAsync(caller, action, targetType, targetId, targetName, AuditedFailure.ResultOf(ex), ex.Message, ct);
            throw;
        }
        await audit.RecordAsync(caller, action, targetType, targetId, targetName, AuditResults.Succeeded, detail?.Invoke(result), ct);
        return result;
    }

    public static Task RunAsync(this IAuditLog audit, Caller caller, string action, string targetType,
        string? targetId, string? targetName, Func<Task> work, CancellationToken ct) =>
        audit.RunAsync(caller, action, targetType, targetId, targetName, async () => { await work(); return true; }, null, ct);
}
