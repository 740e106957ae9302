using CloudPortal.Core.Common;

namespace CloudPortal.Core.Placement;

/// <summary>No host passes the filters (a 409): carries the explanation, so a page can show every host's reason.</summary>
public sealed class NoHostFitsException(string message, PlacementExplanation explanation) : ConflictException(message)
{
    public PlacementExplanation Explanation { get; } = explanation;
}
