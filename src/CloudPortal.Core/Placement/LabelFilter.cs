namespace CloudPortal.Core.Placement;

/// <summary>Every label the request requires ("ssd", "zone=a") must be on the host.</summary>
public sealed class LabelFilter : IHostFilter
{
    public string Name => "labels";

    public bool Passes(PlacementRequest request, HostCandidate host) =>
        request.Labels.Count == 0 || request.Labels.All(l => host.Labels.Contains(l, StringComparer.Ordinal));

    public string? Reject(PlacementRequest request, HostCandidate host)
    {
        var missing = request.Labels.Where(l => !host.Labels.Contains(l, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
        return missing.Count == 0 ? null : $"missing label{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)}";
    }
}
