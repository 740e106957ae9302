namespace CloudPortal.Core.Machines;

/// <summary>What a machine's delete does with the data volumes attached to it (the volumes feature implements it).</summary>
public interface IMachineVolumes
{
    /// <summary>Keeps them (available again) or removes them with their charge; returns how many there were.</summary>
    Task<int> ReleaseAsync(Machine machine, bool keep, CancellationToken ct);
}
