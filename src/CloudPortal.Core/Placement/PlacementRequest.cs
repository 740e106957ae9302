namespace CloudPortal.Core.Placement;

/// <summary>What a machine needs from a host.</summary>
public sealed record PlacementRequest(Guid TenantId, int Vcpus, int MemoryMiB, IReadOnlyCollection<string>? RequiredLabels = null)
{
    public IReadOnlyCollection<string> Labels => RequiredLabels ?? [];

    /// <summary>The requesting tenant's trust settings; shared (no constraint) until the caller loads them.</summary>
    public TenantTrust Trust { get; init; } = TenantTrust.Shared;

    /// <summary>The placement group the machine joins, with where its machines already are; null for none.</summary>
    public GroupPlacement? Group { get; init; }

    /// <summary>Hosts that dropped while this machine was being placed on them: the choice is re-run without them.</summary>
    public IReadOnlySet<Guid>? DroppedHosts { get; init; }

    /// <summary>The only host the machine may go to (a clone: its source's disk is there); null for any.</summary>
    public Guid? PinnedHost { get; init; }
}
