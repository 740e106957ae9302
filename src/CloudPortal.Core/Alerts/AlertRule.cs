using CloudPortal.Core.Common;

namespace CloudPortal.Core.Alerts;

/// <summary>What a rule watches: one machine, every machine of its tenant, or hosts (administrators).</summary>
public static class AlertScopes
{
    public const string Machine = "machine";
    public const string Tenant = "tenant";
    public const string Host = "host";
    public static readonly IReadOnlyList<string> All = [Machine, Tenant, Host];
}

/// <summary>
/// A threshold on a monitoring series: "cpu &gt; 90 for 300 s". For host rules the metric may also be
/// <see cref="AlertRules.Unreachable"/>: the host failing to answer its sampler.
/// </summary>
public sealed record AlertRule
{
    public Guid Id { get; init; }
    /// <summary>Null only for host rules, which belong to the cloud's administrators.</summary>
    public Guid? TenantId { get; init; }
    public required string Name { get; init; }
    public required string Scope { get; init; }
    /// <summary>The machine or host watched; null for a tenant rule and for a rule over every host.</summary>
    public Guid? TargetId { get; init; }
    public required string Metric { get; init; }
    /// <summary>"&gt;" or "&lt;".</summary>
    public required string Comparison { get; init; }
    public double Threshold { get; init; }
    public int DurationSeconds { get; init; }
    public bool Enabled { get; init; } = true;
    public DateTimeOffset CreatedAt { get; init; }

    public bool IsHostRule => Scope == AlertScopes.Host;

    public bool Breaches(double value) => Comparison == ">" ? value > Threshold : value < Threshold;

    public string Describe() => Metric == AlertRules.Unreachable
        ? DurationSeconds == 0 ? "host unreachable" : $"host unreachable for {DurationSeconds} s"
        : $"{Metric} {Comparison} {Threshold:0.###}" + (DurationSeconds == 0 ? "" : $" for {DurationSeconds} s");
}

/// <summary>An alert: one period during which a rule's condition held for one machine or host.</summary>
public sealed record Alert
{
    public Guid Id { get; init; }
    public Guid RuleId { get; init; }
    public required string RuleName { get; init; }
    public Guid? TenantId { get; init; }
    /// <summary>"machine" or "host".</summary>
    public required string SubjectKind { get; init; }
    public Guid SubjectId { get; init; }
    public required string SubjectName { get; init; }
    public required string Metric { get; init; }
    public required string Comparison { get; init; }
    public double Threshold { get; init; }
    /// <summary>The value that fired it (null for an unreachable host).</summary>
    public double? Value { get; init; }
    /// <summary>"firing" or "resolved".</summary>
    public required string State { get; init; }
    public DateTimeOffset FiredAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }

    public bool IsFiring => State == AlertStates.Firing;
}

public static class AlertStates
{
    public const string Firing = "firing";
    public const string Resolved = "resolved";
}

/// <summary>A tenant's outgoing webhook: alerts fired and resolved are POSTed to it.</summary>
public sealed record AlertWebhook
{
    public Guid TenantId { get; init; }
    public required string Url { get; init; }
    /// <summary>When set, each body is signed with HMAC-SHA256 (header X-CloudPortal-Signature).</summary>
    public string? Secret { get; init; }
    /// <summary>How the last delivery went ("200 OK after 1 attempt", "failed: ..."), for the page.</summary>
    public string? LastStatus { get; init; }
    public DateTimeOffset? LastAttemptAt { get; init; }
}

/// <summary>A change to a rule, as asked for; null fields are left as they are.</summary>
public sealed record AlertRuleRequest(string? Name, string? Scope, Guid? TargetId, string? Metric, string? Comparison,
    double? Threshold, int? DurationSeconds, bool? Enabled);

public interface IAlertStore
{
    /// <summary>A duplicate name in the same tenant (or among host rules) is a <see cref="ConflictException"/>.</summary>
    Task InsertRuleAsync(AlertRule rule, CancellationToken ct);
    Task<bool> UpdateRuleAsync(AlertRule rule, CancellationToken ct);
    Task<AlertRule?> GetRuleAsync(Guid id, CancellationToken ct);
    /// <summary>By name; <paramref name="tenantId"/> null lists every rule (administrators), else the tenant's own.</summary>
    Task<Page<AlertRule>> ListRulesAsync(Guid? tenantId, PageRequest page, CancellationToken ct);
    Task<IReadOnlyList<AlertRule>> ListEnabledRulesAsync(CancellationToken ct);
    Task<bool> DeleteRuleAsync(Guid id, CancellationToken ct);

    Task InsertAlertAsync(Alert alert, CancellationToken ct);
    Task<bool> ResolveAlertAsync(Guid id, DateTimeOffset at, CancellationToken ct);
    /// <summary>Newest first; <paramref name="tenantId"/> null lists every alert (administrators: host alerts too).</summary>
    Task<Page<Alert>> ListAlertsAsync(Guid? tenantId, string? state, PageRequest page, CancellationToken ct);
    Task<IReadOnlyList<Alert>> ListFiringAsync(CancellationToken ct);
    /// <summary>How many alerts fire; <paramref name="tenantId"/> null counts every tenant's and the host alerts.</summary>
    Task<int> CountFiringAsync(Guid? tenantId, CancellationToken ct);
    Task<int> PruneResolvedAsync(DateTimeOffset before, CancellationToken ct);

    Task<AlertWebhook?> GetWebhookAsync(Guid tenantId, CancellationToken ct);
    Task UpsertWebhookAsync(AlertWebhook webhook, CancellationToken ct);
    Task<bool> DeleteWebhookAsync(Guid tenantId, CancellationToken ct);
    Task RecordDeliveryAsync(Guid tenantId, string status, DateTimeOffset at, CancellationToken ct);
}
