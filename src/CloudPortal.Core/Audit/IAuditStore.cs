using CloudPortal.Core.Common;

namespace CloudPortal.Core.Audit;

public interface IAuditStore
{
    /// <summary>Appends an entry and returns its id. Entries are never updated or deleted (the table refuses it).</summary>
    Task<long> AppendAsync(AuditEntry entry, CancellationToken ct);

    /// <summary>Newest first; the cursor is the id of the last entry of the previous page.</summary>
    Task<Page<AuditEntry>> QueryAsync(AuditQuery query, PageRequest page, CancellationToken ct);

    /// <summary>
    /// When the failed sign-ins for a username (since its last successful one) or from an address, within
    /// <paramref name="window"/> before <paramref name="now"/>, reach <paramref name="limit"/>: the moment the oldest
    /// of the newest <paramref name="limit"/> failures leaves the window, i.e. when one more attempt is allowed.
    /// Null when the limit is not reached. Exactly one of username and address is given.
    /// </summary>
    Task<DateTimeOffset?> SignInLockedUntilAsync(string? username, string? address, int limit, TimeSpan window, DateTimeOffset now, CancellationToken ct);
}
