namespace CloudPortal.Core.Placement;

/// <summary>The recorded decision that placed a machine: explain JSON as it was at the time.</summary>
public sealed record PlacementRecord(Guid MachineId, DateTimeOffset DecidedAt, string ExplainJson);

public interface IPlacementStore
{
    /// <summary>Records the decision; false when the machine is already gone (its create rolled back first).</summary>
    Task<bool> RecordAsync(PlacementRecord record, CancellationToken ct);
    Task<PlacementRecord?> GetAsync(Guid machineId, CancellationToken ct);
}
