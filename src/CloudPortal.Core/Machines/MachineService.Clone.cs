using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;

namespace CloudPortal.Core.Machines;

/// <summary>
/// Clone: a new machine of the same size, network and security group on the same host, with a full copy of a
/// stopped machine's disk, as it is or as one of its snapshots left it. It goes through the create path (quota, placement pinned to the host, journal,
/// rollback), and the source is held against starts until its disk is copied.
/// </summary>
public sealed partial class MachineService
{
    public async Task<(Machine Machine, Operation Operation)> CloneAsync(Caller caller, Guid sourceId, string? name, Guid? snapshotId, CancellationToken ct)
    {
        var source = await GetAsync(caller, sourceId, ct);
        EnsureMayChange(caller);
        var snapshot = snapshotId is { } sid ? await FindSnapshotAsync(source, sid, ct) : null;
        var claim = _claims.Claim(source.Id, source.Name, "clone");
        try
        {
            var current = await GetAsync(caller, sourceId, ct);
            MachineActions.EnsureAllowed("clone", [MachineState.Stopped], current);
            if (current.ImageId is null || disks is null)
                throw new ConflictException($"Machine '{current.Name}' has no disk to clone (it was created without an image): create a new machine instead.");
            // Measured on the host: the copy gets the source's disk as it is there, whatever was recorded.
            var diskGiB = await RootDiskGiBAsync(caller, current.Id, ct)
                ?? throw new ConflictException($"Machine '{current.Name}' has no disk on its host to clone.");
            var nic = networks is null ? null : await networks.GetNicAsync(current.Id, ct);
            var request = new MachineRequest(name, current.Vcpus, current.MemoryMiB, null, null, null, null,
                nic?.Assignment.NetworkId, nic?.Assignment.SecurityGroupId)
            {
                CloneOf = current,
                CloneClaim = claim,
                CloneSnapshot = snapshot,
                CloneDiskGiB = diskGiB,
            };
            var created = await CreateAsync(caller, request, ct);
            // The create's work holds the claim now and lets go of it once the disk is copied.
            claim = null;
            return created;
        }
        finally
        {
            claim?.Dispose();
        }
    }
}
