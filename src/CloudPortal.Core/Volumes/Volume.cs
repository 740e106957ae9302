using CloudPortal.Core.Common;
using CloudPortal.Core.Quotas;

namespace CloudPortal.Core.Volumes;

public static class VolumeStates
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Attached = "attached";
    /// <summary>Detached from the machine's definition; the running guest has not released it yet.</summary>
    public const string Detaching = "detaching";
    public const string Deleting = "deleting";
}

/// <summary>A tenant's data volume: a qcow2 file in one host's portal pool, attached to at most one machine there.</summary>
public sealed record Volume
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    public required string Name { get; init; }
    public Guid HostId { get; init; }
    public int SizeGiB { get; init; }
    public Guid? MachineId { get; init; }
    /// <summary>The guest's device name while attached (vdb, vdc, ...).</summary>
    public string? Target { get; init; }
    public required string State { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The volume's name in the host's pool: derived from its id, so a crashed create can be cleaned without a record.</summary>
    public string VolumeName => VolumeNameOf(Id);

    public static string VolumeNameOf(Guid id) => $"vol-{id:D}.qcow2";

    /// <summary>What the volume adds to its tenant's usage.</summary>
    public static QuotaAmounts ChargeOf(int sizeGiB) => new() { Volumes = 1, DiskGiB = sizeGiB };
}

public interface IVolumeStore
{
    /// <summary>
    /// Checks the tenant's volume and disk quota, inserts the volume (state creating) and charges it, in one
    /// transaction. Over quota is a <see cref="QuotaExceededException"/>, a name taken in the tenant a <see cref="ConflictException"/>.
    /// </summary>
    Task InsertAsync(Volume volume, CancellationToken ct);
    Task<Volume?> GetAsync(Guid id, CancellationToken ct);
    /// <summary>By name; <paramref name="tenantId"/> null lists every tenant's (administrators); filter matches the name.</summary>
    Task<Page<Volume>> ListAsync(Guid? tenantId, PageRequest page, CancellationToken ct);
    Task<IReadOnlyList<Volume>> ListByMachineAsync(Guid machineId, CancellationToken ct);
    Task<IReadOnlyList<Volume>> ListInStatesAsync(IReadOnlyList<string> states, CancellationToken ct);
    /// <summary>Moves the volume from <paramref name="expected"/> to a new state, machine and target (compare and set).</summary>
    Task<bool> TransitionAsync(Guid id, string expected, string state, Guid? machineId, string? target, CancellationToken ct);
    /// <summary>Grows the recorded size if it is still <paramref name="fromGiB"/>, checking and charging the disk quota.</summary>
    Task<bool> GrowAsync(Guid id, int fromGiB, int toGiB, CancellationToken ct);
    /// <summary>Removes the row and its charge; false when it was already gone.</summary>
    Task<bool> DeleteAsync(Guid id, CancellationToken ct);
}
