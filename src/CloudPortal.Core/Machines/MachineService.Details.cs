using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;
using LibvirtSharp;
using Microsoft.Extensions.Logging;

namespace CloudPortal.Core.Machines;

/// <summary>One operation of a machine with every step of its journal.</summary>
public sealed record MachineHistoryEntry(Operation Operation, IReadOnlyList<OperationStep> Steps);

/// <summary>
/// A NIC as the domain defines it: MAC, what it is attached to, and the model; with the address the portal reserved
/// for it on a tenant network and the DHCP leases the guest holds for that MAC right now.
/// </summary>
public sealed record MachineNic(string Mac, string Kind, string? Source, string? Model)
{
    public string? ReservedAddress { get; init; }
    public IReadOnlyList<NicLease> Leases { get; init; } = [];
}

/// <summary>A DHCP lease of a NIC: the address the guest took, until when, and the hostname it sent.</summary>
public sealed record NicLease(string Address, DateTimeOffset ExpiresAt, string? Hostname);

/// <summary>What the domain on the host says beyond the machine's row; <see cref="Xml"/> only for administrators.</summary>
public sealed record MachineDomainView(IReadOnlyList<MachineNic> Nics, string? Xml)
{
    public IReadOnlyList<MachineDiskView> Disks { get; init; } = [];
}

/// <summary>A disk as the running domain has it: guest device, kind (disk, cdrom), format and the file behind it.</summary>
public sealed record MachineDiskView(string Target, string Device, string? Format, string? Source, bool ReadOnly);

public sealed partial class MachineService
{
    public const int MaxHistory = 100;

    public async Task<IReadOnlyList<MachineHistoryEntry>> HistoryAsync(Caller caller, Guid id, int limit, CancellationToken ct)
    {
        if (limit is < 1 or > MaxHistory)
            throw ValidationFailedException.For("limit", $"limit must be between 1 and {MaxHistory}.");
        var machine = await GetAsync(caller, id, ct);
        var list = await operations.ListByMachineAsync(machine.Id, limit, ct);
        var entries = new List<MachineHistoryEntry>(list.Count);
        foreach (var operation in list)
            entries.Add(new MachineHistoryEntry(operation, await operations.ListStepsAsync(operation.Id, ct)));
        return entries;
    }

    /// <summary>
    /// The domain's NICs for everyone who may see the machine; its XML only for cloud administrators (it names host
    /// paths, bridges and ports that tenants have no business with). Secrets are never included.
    /// </summary>
    public async Task<MachineDomainView> DescribeDomainAsync(Caller caller, Guid id, CancellationToken ct)
    {
        var machine = await GetAsync(caller, id, ct);
        var reserved = networks is null ? null : (await networks.GetNicAsync(machine.Id, ct))?.Assignment;
        var (xml, nics) = await connections.RunAsync(machine.HostId, connection =>
        {
            using var domain = FindDomain(connection, machine);
            var xml = domain.GetXmlDescription();
            return (xml, NicsOf(xml).Select(nic => nic with
            {
                ReservedAddress = reserved is not null && string.Equals(reserved.Mac, nic.Mac, StringComparison.OrdinalIgnoreCase) ? reserved.IpAddress : null,
                Leases = nic.Kind == "network" && nic.Source is { } network ? LeasesOf(connection, network, nic.Mac) : [],
            }).ToList());
        }, ct);
        return new MachineDomainView(nics, caller.IsAdmin ? xml : null) { Disks = DisksOf(xml) };
    }

    /// <summary>What the network's DHCP server (dnsmasq) has leased to this MAC; none when libvirt cannot say.</summary>
    private IReadOnlyList<NicLease> LeasesOf(Connection connection, string networkName, string mac)
    {
        try
        {
            using var network = connection.LookupNetworkByName(networkName);
            return network is null
                ? []
                : network.GetDhcpLeases(mac).Select(l => new NicLease(l.IpAddress, l.Expires, l.Hostname)).ToList();
        }
        catch (LibvirtException ex)
        {
            // A driver without leases (the test driver) or a network that stopped meanwhile: addresses unknown, not an error.
            log.LogDebug("No DHCP leases of {Mac} on network {Network}: {Message}", mac, networkName, ex.LibvirtMessage);
            return [];
        }
    }

    public static IReadOnlyList<MachineNic> NicsOf(string domainXml)
    {
        var devices = XDocument.Parse(domainXml).Root?.Element("devices");
        if (devices is null)
            return [];
        return devices.Elements("interface")
            .Select(nic =>
            {
                var source = nic.Element("source");
                return new MachineNic(
                    nic.Element("mac")?.Attribute("address")?.Value ?? "",
                    nic.Attribute("type")?.Value ?? "",
                    source?.Attribute("network")?.Value ?? source?.Attribute("bridge")?.Value ?? source?.Attribute("dev")?.Value,
                    nic.Element("model")?.Attribute("type")?.Value);
            })
            .ToList();
    }

    public static IReadOnlyList<MachineDiskView> DisksOf(string domainXml)
    {
        var devices = XDocument.Parse(domainXml).Root?.Element("devices");
        if (devices is null)
            return [];
        return devices.Elements("disk")
            .Select(disk =>
            {
                var source = disk.Element("source");
                return new MachineDiskView(
                    disk.Element("target")?.Attribute("dev")?.Value ?? "",
                    disk.Attribute("device")?.Value ?? "disk",
                    disk.Element("driver")?.Attribute("type")?.Value,
                    source?.Attribute("file")?.Value ?? source?.Attribute("dev")?.Value ?? source?.Attribute("volume")?.Value,
                    disk.Element("readonly") is not null);
            })
            .ToList();
    }
}
