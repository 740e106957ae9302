namespace CloudPortal.Core.Audit;

/// <summary>
/// One row of the append-only audit log: who (user, tenant, address) did what (action) to which target, when, and
/// how it ended. <see cref="Id"/> is assigned by the store and orders the log.
/// </summary>
public sealed record AuditEntry
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public Guid? UserId { get; init; }
    /// <summary>The signed-in user's name, or for a failed sign-in the name that was tried.</summary>
    public string? Username { get; init; }
    /// <summary>Null when no tenant is known (a failed sign-in): such entries are for cloud administrators only.</summary>
    public Guid? TenantId { get; init; }
    public required string Action { get; init; }
    public required string TargetType { get; init; }
    public string? TargetId { get; init; }
    public string? TargetName { get; init; }
    public string? Address { get; init; }
    public required string Result { get; init; }
    public string? Detail { get; init; }
}

public static class AuditResults
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    /// <summary>Refused before anything was tried: a role that may not act, or a rate limit.</summary>
    public const string Denied = "denied";

    public static readonly IReadOnlyList<string> All = [Succeeded, Failed, Denied];
}

public static class AuditActions
{
    public const string SignIn = "signin";
    public const string TokenIssue = "token.issue";
    public const string HostAdd = "host.add";
    public const string HostUpdate = "host.update";
    public const string MachineCreate = "machine.create";
    public const string MachineDelete = "machine.delete";

    /// <summary>"machine.pause", "machine.start", ...</summary>
    public static string Machine(string action) => "machine." + action.ToLowerInvariant();
}

/// <summary>Filters of an audit query; null means "any". <see cref="To"/> is exclusive.</summary>
public sealed record AuditQuery
{
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    /// <summary>A username (case-insensitive, exact).</summary>
    public string? User { get; init; }
    public Guid? TenantId { get; init; }
    /// <summary>Matches the action itself and everything under it: "machine" finds machine.create, machine.pause...</summary>
    public string? ActionPrefix { get; init; }
    public string? Result { get; init; }
    /// <summary>Free text found in the username, target, address or detail.</summary>
    public string? Text { get; init; }
}
