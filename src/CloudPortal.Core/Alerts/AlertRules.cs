using CloudPortal.Core.Common;
using CloudPortal.Core.Monitoring;

namespace CloudPortal.Core.Alerts;

/// <summary>What a rule may say: metrics of the monitoring catalogue, sane thresholds and durations.</summary>
public static class AlertRules
{
    /// <summary>The host metric that is not a series: the host's sampler failing (the host down or libvirtd gone).</summary>
    public const string Unreachable = "unreachable";
    /// <summary>
    /// Memory used as a percent of the machine's allocation (or the host's memory): a rule over all of a tenant's
    /// machines of different sizes can only say "memory &gt; 90 %" this way. Derived from the sample, not sampled.
    /// </summary>
    public const string MemoryPercent = "memory.percent";
    public const int MaxDurationSeconds = 7 * 24 * 3600;
    public const int MaxNameLength = 100;

    public static IReadOnlyList<string> MetricsFor(string scope) => scope == AlertScopes.Host
        ? [.. MetricCatalog.Host.Select(m => m.Name), MemoryPercent, Unreachable]
        : [.. MetricCatalog.Machine.Select(m => m.Name), MemoryPercent];

    /// <summary>
    /// The rule's metric in one sample of its scope; null (a gap) when the sample lacks it. Not for
    /// <see cref="Unreachable"/>, which is the sample's failure rather than a value.
    /// </summary>
    public static double? ValueOf(string scope, string metric, float[]? values)
    {
        if (values is null)
            return null;
        if (metric == MemoryPercent)
        {
            var (used, of) = scope == AlertScopes.Host
                ? (values[MetricCatalog.H.MemoryUsed], values[MetricCatalog.H.MemoryTotal])
                : (values[MetricCatalog.M.MemoryUsed], values[MetricCatalog.M.MemoryAllocated]);
            return float.IsNaN(used) || float.IsNaN(of) || of <= 0 ? null : Math.Min(100.0, used / (double)of * 100.0);
        }
        int index = IndexOf(scope, metric);
        return index < 0 || float.IsNaN(values[index]) ? null : values[index];
    }

    /// <summary>The index of a metric in the samples of its scope, or -1 for <see cref="Unreachable"/>.</summary>
    public static int IndexOf(string scope, string metric)
    {
        var catalogue = scope == AlertScopes.Host ? MetricCatalog.Host : MetricCatalog.Machine;
        for (var i = 0; i < catalogue.Count; i++)
        {
            if (catalogue[i].Name == metric)
                return i;
        }
        return -1;
    }

    /// <summary>A new rule from a request: every field checked, all problems reported at once.</summary>
    public static AlertRule Validate(AlertRuleRequest request) => Merge(null, request);

    /// <summary>An existing rule with the request's non-null fields applied, checked as a whole.</summary>
    public static AlertRule Merge(AlertRule? existing, AlertRuleRequest request)
    {
        var errors = new ValidationErrors();
        var name = (request.Name ?? existing?.Name)?.Trim();
        if (string.IsNullOrEmpty(name))
            errors.Add("name", "name is required.");
        else if (name.Length > MaxNameLength || name.Any(char.IsControl))
            errors.Add("name", $"name must be at most {MaxNameLength} characters without control characters.");

        if (existing is not null && request.Scope is not null && request.Scope != existing.Scope)
            errors.Add("scope", "scope cannot be changed; create a new rule instead.");
        var scope = existing?.Scope ?? request.Scope;
        if (scope is null)
            errors.Add("scope", $"scope is required: one of {string.Join(", ", AlertScopes.All)}.");
        else if (!AlertScopes.All.Contains(scope))
            errors.Add("scope", $"scope must be one of {string.Join(", ", AlertScopes.All)}.");

        var targetId = existing is null ? request.TargetId : existing.TargetId;
        if (existing is not null && request.TargetId is not null && request.TargetId != existing.TargetId)
            errors.Add("targetId", "targetId cannot be changed; create a new rule instead.");
        if (scope == AlertScopes.Machine && targetId is null)
            errors.Add("targetId", "targetId (the machine) is required for a machine rule.");
        if (scope == AlertScopes.Tenant && targetId is not null)
            errors.Add("targetId", "a tenant rule watches every machine of the tenant; leave targetId out.");

        var metric = request.Metric ?? existing?.Metric;
        if (metric is null)
            errors.Add("metric", "metric is required.");
        else if (scope is not null && AlertScopes.All.Contains(scope) && !MetricsFor(scope).Contains(metric))
            errors.Add("metric", $"metric must be one of {string.Join(", ", MetricsFor(scope))} for a {scope} rule.");

        var comparison = request.Comparison ?? existing?.Comparison ?? ">";
        if (comparison is not (">" or "<"))
            errors.Add("comparison", "comparison must be \">\" or \"<\".");

        var threshold = request.Threshold ?? existing?.Threshold;
        if (metric == Unreachable)
            threshold = 0;
        else if (threshold is null)
            errors.Add("threshold", "threshold is required.");
        else if (!double.IsFinite(threshold.Value) || Math.Abs(threshold.Value) > 1e15)
            errors.Add("threshold", "threshold must be a finite number.");
        else if (IsPercent(scope, metric) && threshold is < 0 or > 100)
            errors.Add("threshold", "threshold of a percentage must be between 0 and 100.");

        var duration = request.DurationSeconds ?? existing?.DurationSeconds ?? 0;
        if (duration is < 0 or > MaxDurationSeconds)
            errors.Add("durationSeconds", $"durationSeconds must be between 0 (at once) and {MaxDurationSeconds} (7 days).");
        errors.ThrowIfAny();

        return new AlertRule
        {
            Id = existing?.Id ?? Guid.Empty,
            TenantId = existing?.TenantId,
            Name = name!,
            Scope = scope!,
            TargetId = targetId,
            Metric = metric!,
            Comparison = metric == Unreachable ? ">" : comparison,
            Threshold = threshold!.Value,
            DurationSeconds = duration,
            Enabled = request.Enabled ?? existing?.Enabled ?? true,
            CreatedAt = existing?.CreatedAt ?? default,
        };
    }

    private static bool IsPercent(string? scope, string? metric) =>
        scope is not null && metric is not null
        && (metric == MemoryPercent || (scope == AlertScopes.Host ? MetricCatalog.Host : MetricCatalog.Machine).Any(m => m.Name == metric && m.Unit == "percent"));
}
