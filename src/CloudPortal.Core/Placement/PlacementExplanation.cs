using System.Text.Json.Serialization;

namespace CloudPortal.Core.Placement;

/// <summary>What placement thought of one host: dropped by a filter (and why), or eligible with a score.</summary>
public sealed record HostVerdict(Guid HostId, string Name, bool Eligible, string? Filter, string? Reason, double? Score)
{
    /// <summary>How the score of an eligible host was made: each weigher's score, weight and note ("no measurement").</summary>
    public IReadOnlyList<WeigherScore>? Weights { get; init; }
}

/// <summary>One weigher's part in a host's score: it adds Weight × Score.</summary>
public sealed record WeigherScore(string Name, double Weight, double Score, string? Note);

/// <summary>
/// Every host and the verdict on it, the best first: eligible hosts by score (ties by name), then the dropped ones by name.
/// </summary>
public sealed record PlacementExplanation(IReadOnlyList<HostVerdict> Hosts)
{
    /// <summary>The chosen host, or null when none is eligible.</summary>
    [JsonIgnore]
    public HostVerdict? Chosen => Hosts.Count > 0 && Hosts[0].Eligible ? Hosts[0] : null;

    /// <summary>"h1: host is in maintenance; h2: memory: needs ..." — the answer to "why was my machine refused".</summary>
    public string Summary() => string.Join("; ", Hosts.Select(h => h.Eligible ? $"{h.Name}: eligible" : $"{h.Name}: {h.Reason}"));
}
