using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using CloudPortal.Core.Quotas;
using LibvirtSharp;

namespace CloudPortal.Core.Machines;

/// <summary>What one bulk request may do to many machines at once.</summary>
public enum BulkAction { Start, Shutdown, Poweroff, Delete }

/// <summary>
/// One machine's outcome in a bulk request, with the HTTP status a single request would have had: 200 done, 202
/// started (with its operation), 404, 409 (state, busy or quota), 503 (host unreachable), 502 (libvirt refused).
/// </summary>
public sealed record BulkItemResult(Guid Id, int Status, Machine? Machine, Guid? OperationId, string? Error);

public sealed partial class MachineService
{
    public const int MaxBulk = 100;

    /// <summary>How many machines of one bulk request are worked on at once; the rest queue.</summary>
    public int BulkParallelism { get; set; } = 8;

    public static bool TryParseBulkAction(string? text, out BulkAction action)
    {
        action = default;
        return !string.IsNullOrEmpty(text) && text.All(char.IsAsciiLetter)
            && Enum.TryParse(text, ignoreCase: true, out action) && Enum.IsDefined(action);
    }

    /// <summary>
    /// Does one action to every listed machine, each exactly as its single request would (same checks, quota, audit
    /// entry), several at a time; one machine's refusal never stops the others. Results keep the order of the ids.
    /// </summary>
    public async Task<IReadOnlyList<BulkItemResult>> BulkAsync(Caller caller, IReadOnlyList<Guid>? ids, string? action,
        IProgress<BulkItemResult>? progress, CancellationToken ct)
    {
        EnsureMayChange(caller);
        var errors = new ValidationErrors();
        if (ids is null || ids.Count == 0)
            errors.Add("ids", "ids must list at least one machine id.");
        else if (ids.Count > MaxBulk)
            errors.Add("ids", $"ids may list at most {MaxBulk} machines.");
        else if (ids.Distinct().Count() != ids.Count)
            errors.Add("ids", "ids must not list a machine twice.");
        if (!TryParseBulkAction(action, out var parsed))
            errors.Add("action", $"action must be one of {string.Join(", ", Enum.GetNames<BulkAction>().Select(n => n.ToLowerInvariant()))}.");
        errors.ThrowIfAny();

        using var gate = new SemaphoreSlim(Math.Max(1, BulkParallelism));
        var tasks = ids!.Select(async id =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var result = await BulkOneAsync(caller, id, parsed, ct);
                progress?.Report(result);
                return result;
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(tasks);
    }

    private async Task<BulkItemResult> BulkOneAsync(Caller caller, Guid id, BulkAction action, CancellationToken ct)
    {
        try
        {
            switch (action)
            {
                case BulkAction.Start:
                    return new BulkItemResult(id, 200, await ActAsync(caller, id, MachineAction.Start, ct), null, null);
                case BulkAction.Poweroff:
                    return new BulkItemResult(id, 200, await ActAsync(caller, id, MachineAction.Poweroff, ct), null, null);
                case BulkAction.Shutdown:
                    var (machine, operation) = await ShutdownAsync(caller, id, null, ct);
                    return new BulkItemResult(id, 202, machine, operation.Id, null);
                case BulkAction.Delete:
                    var deleting = await DeleteAsync(caller, id, ct);
                    var after = await machines.GetAsync(id, ct);
                    return new BulkItemResult(id, 202, after, deleting.Id, null);
                default:
                    throw new ArgumentOutOfRangeException(nameof(action), action, null);
            }
        }
        catch (Exception ex) when (StatusOf(ex) is { } status)
        {
            var message = ex is QuotaExceededException q ? "Quota exceeded: " + string.Join("; ", q.Violations) : Describe(ex);
            return new BulkItemResult(id, status, null, null, message);
        }
    }

    private static int? StatusOf(Exception ex) => ex switch
    {
        NotFoundException => 404,
        ConflictException or QuotaExceededException => 409,
        ForbiddenException => 403,
        ValidationFailedException => 400,
        HostUnavailableException => 503,
        LibvirtException => 502,
        _ => null,
    };
}
