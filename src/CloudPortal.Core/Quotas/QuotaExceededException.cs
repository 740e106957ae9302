namespace CloudPortal.Core.Quotas;

/// <summary>
/// A request would take a tenant over a quota (a 409). The message lists every exceeded resource as
/// "memory: limit 2048 MiB, used 1792 MiB, requested 512 MiB" (used = committed + reserved), or a per-machine cap
/// as "vcpus per machine: limit 4, requested 8".
/// </summary>
public sealed class QuotaExceededException(IReadOnlyList<string> violations)
    : Exception("Quota exceeded: " + string.Join("; ", violations))
{
    public IReadOnlyList<string> Violations { get; } = violations;
}
