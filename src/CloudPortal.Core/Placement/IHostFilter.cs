namespace CloudPortal.Core.Placement;

/// <summary>One rule a host must pass to receive a machine. Filters are pure: no I/O, the candidate says everything.</summary>
public interface IHostFilter
{
    /// <summary>The short name shown in explanations ("connected", "capacity", "labels").</summary>
    string Name { get; }

    /// <summary>Null when the host passes; otherwise why it does not, in words an operator can act on.</summary>
    string? Reject(PlacementRequest request, HostCandidate host);

    /// <summary>The same verdict without the words: placing thousands of machines must not format thousands of reasons.</summary>
    bool Passes(PlacementRequest request, HostCandidate host) => Reject(request, host) is null;
}
