using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Operations;

namespace CloudPortal.Core.Machines;

/// <summary>One operation of a machine with every step of its journal.</summary>
public sealed record MachineHistoryEntry(Operation Operation, IReadOnlyList<OperationStep> Steps);

/// <summary>A NIC as the domain defines it: MAC, what it is attached to, and the model.</summary>
public sealed record MachineNic(string Mac, string Kind, string? Source, string? Model);

/// <summary>What the domain on the host says beyond the machine's row; <see cref="Xml"/> only for administrators.</summary>
public sealed record MachineDomainView(IReadOnlyList<MachineNic> Nics, string? Xml);

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
        var xml = await connections.RunAsync(machine.HostId, connection =>
        {
            using var domain = FindDomain(connection, machine);
            return domain.GetXmlDescription();
        }, ct);
        return new MachineDomainView(NicsOf(xml), caller.IsAdmin ? xml : null);
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
}
