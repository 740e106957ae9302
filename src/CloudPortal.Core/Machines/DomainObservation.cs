using LibvirtSharp;

namespace CloudPortal.Core.Machines;

/// <summary>One domain as seen on a host: enough to reconcile a machine with it.</summary>
public sealed record DomainObservation(Guid Uuid, string Name, MachineState State, PortalMetadata? Metadata)
{
    public static DomainObservation Of(Domain domain)
    {
        var state = domain.GetState();
        var hasSave = state.State == DomainState.Shutoff && domain.HasManagedSaveImage;
        return new DomainObservation(domain.Uuid, domain.Name, MachineStateMapper.FromLibvirt(state.State, hasSave),
            PortalMetadata.TryParse(domain.GetMetadataElement(PortalMetadata.NamespaceUri)));
    }

    /// <summary>Looks a domain up by UUID; null when the host no longer has it.</summary>
    public static DomainObservation? Find(Connection connection, Guid uuid)
    {
        using var domain = connection.LookupDomainByUuid(uuid);
        return domain is null ? null : Of(domain);
    }
}
