using LibvirtSharp;

namespace CloudPortal.Core.Machines;

public static class DomainRemoval
{
    private const int UnsupportedFlags = 8; // VIR_ERR_INVALID_ARG

    /// <summary>Stops and undefines a domain with everything libvirt keeps for it; true when it existed.</summary>
    public static bool Remove(Connection connection, Guid uuid)
    {
        using var domain = connection.LookupDomainByUuid(uuid);
        if (domain is null)
            return false;
        if (domain.IsActive)
            domain.Destroy();
        try
        {
            domain.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata
                | DomainUndefineFlags.Nvram | DomainUndefineFlags.CheckpointsMetadata);
        }
        catch (LibvirtException ex) when (ex.Code == UnsupportedFlags)
        {
            // Drivers without NVRAM or checkpoints (the test driver) refuse those flags; they have nothing to remove.
            domain.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata);
        }
        return true;
    }
}
