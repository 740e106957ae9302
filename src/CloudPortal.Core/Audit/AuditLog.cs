using CloudPortal.Core.Common;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Audit;

public sealed class AuditLog(IAuditStore store, ILogger<AuditLog> log) : IAuditLog
{
    /// <summary>Keeps one entry's free text bounded: details may carry whole error messages or attempted usernames.</summary>
    private const int MaxText = 2000;

    public Task RecordAsync(Caller? caller, string action, string targetType, string? targetId, string? targetName,
        string result, string? detail, CancellationToken ct) =>
        RecordAsync(new AuditEntry
        {
            UserId = caller?.UserId,
            Username = caller?.Username,
            TenantId = caller?.TenantId,
            Address = caller?.Address,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            TargetName = targetName,
            Result = result,
            Detail = detail,
        }, ct);

    public async Task RecordAsync(AuditEntry entry, CancellationToken ct)
    {
        var row = entry with
        {
            At = entry.At == default ? Clock.Now() : entry.At,
            Username = Truncate(entry.Username, 256),
            TargetName = Truncate(entry.TargetName, 256),
            Detail = Truncate(entry.Detail, MaxText),
        };
        try
        {
            // Not the request's token: a change that happened must be recorded even if the client went away meanwhile.
            await store.AppendAsync(row, CancellationToken.None);
        }
        catch (Exception ex)
        {
            if (row.Result == AuditResults.Succeeded)
                log.LogError(ex, "Could not write the audit entry for a change that succeeded: {Action} on {TargetType} {TargetId} by {User}",
                    row.Action, row.TargetType, row.TargetId, row.Username);
            else
                log.LogWarning(ex, "Could not write the audit entry for {Action} ({Result}) on {TargetType} {TargetId} by {User}",
                    row.Action, row.Result, row.TargetType, row.TargetId, row.Username);
        }
    }

    private static string? Truncate(string? text, int max) => text is { Length: > 0 } && text.Length > max ? text[..max] : text;
}
