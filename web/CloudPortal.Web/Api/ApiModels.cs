using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Machines;
using CloudPortal.Core.Operations;

namespace CloudPortal.Web.Api;

public sealed record PageDto<T>(IReadOnlyList<T> Items, string? Next);

public sealed record MachineDto(
    Guid Id, string Name, Guid TenantId, Guid HostId, string State, int Vcpus, int MemoryMiB, Guid DomainUuid,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, Guid? OperationId = null, Guid? ImageId = null, int DiskGiB = 0)
{
    public static MachineDto From(Machine m, Guid? operationId = null) => new(
        m.Id, m.Name, m.TenantId, m.HostId, m.State.ToContractName(), m.Vcpus, m.MemoryMiB, m.DomainUuid,
        m.LastError, m.CreatedAt, m.UpdatedAt, operationId, m.ImageId, m.DiskGiB);
}

/// <summary>The create body of the contract; imageId and diskGiB arrive with the storage issue. networkId: an id or "default".</summary>
/// <para>labels: host labels the machine requires ("ssd", "zone=a"); placement only considers hosts carrying all of them.</para>
public sealed record MachineCreateDto(string? Name, int? Vcpus, int? MemoryMiB, string? ImageId, int? DiskGiB, string? NetworkId,
    IReadOnlyList<string?>? Labels = null, Guid? PlacementGroupId = null, Guid? SecurityGroupId = null,
    string? Hostname = null, IReadOnlyList<Guid>? SshKeyIds = null, IReadOnlyList<string>? SshKeys = null, string? UserData = null)
{
    /// <summary>The cloud-init part, or null when the body asks for none.</summary>
    public Core.Machines.MachineCloudInit? CloudInit() =>
        new Core.Machines.MachineCloudInit(Hostname, SshKeyIds, SshKeys, UserData) is { IsEmpty: false } wanted ? wanted : null;
}

public sealed record MachineBatchDto(int? Count, string? NamePrefix, int? Vcpus, int? MemoryMiB, Guid? PlacementGroupId, bool? AllOrNothing);

/// <summary>The machines a batch created (each with its create operation) and, for the rest, why not.</summary>
public sealed record MachineBatchResultDto(IReadOnlyList<MachineDto> Items, IReadOnlyList<string> NotCreated);

/// <summary>The optional body of an action: timeoutSeconds for shutdown (when the guest is powered off if still running).</summary>
public sealed record MachineActionDto(int? TimeoutSeconds);

public sealed record MachineRenameDto(string? Name);

public sealed record MachineResizeDto(int? Vcpus, int? MemoryMiB);

/// <summary>POST /machines/bulk: action is start, shutdown, poweroff or delete.</summary>
public sealed record MachineBulkDto(IReadOnlyList<Guid>? Ids, string? Action);

/// <summary>One machine's outcome: status as its single request would answer; machine when it is known, else error.</summary>
public sealed record MachineBulkItemDto(
    Guid Id, int Status,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] MachineDto? Machine,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] Guid? OperationId,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Error)
{
    public static MachineBulkItemDto From(BulkItemResult r) =>
        new(r.Id, r.Status, r.Machine is null ? null : MachineDto.From(r.Machine, r.OperationId), r.OperationId, r.Error);
}

public sealed record MachineBulkResultDto(IReadOnlyList<MachineBulkItemDto> Items);

public sealed record HostVerdictDto(
    Guid HostId, string Name, bool Eligible,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Filter,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] double? Score,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<WeigherScoreDto>? Weights = null);

/// <summary>One weigher's part of an eligible host's score (weight × score), with a note such as "no measurement".</summary>
public sealed record WeigherScoreDto(string Name, double Weight, double Score,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Note);

/// <summary>Every host, best first, with the filter that dropped it and why, or its score.</summary>
public sealed record PlacementDto(IReadOnlyList<HostVerdictDto> Hosts)
{
    public static PlacementDto From(CloudPortal.Core.Placement.PlacementExplanation e) => new(e.Hosts
        .Select(h => new HostVerdictDto(h.HostId, h.Name, h.Eligible, h.Filter, h.Reason, h.Score is { } s ? Math.Round(s, 4) : null,
            h.Weights?.Select(w => new WeigherScoreDto(w.Name, w.Weight, Math.Round(w.Score, 4), w.Note)).ToList()))
        .ToList());
}

public sealed record OperationStepDto(string Name, string State, string? Detail, DateTimeOffset At);

public sealed record OperationDto(
    Guid Id, string Kind, string State, string? Stage, int Progress, string? Error, Guid? MachineId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<OperationStepDto> Steps)
{
    public static OperationDto From(Operation o, IReadOnlyList<OperationStep> steps) => new(
        o.Id, o.Kind, o.State.ToString().ToLowerInvariant(), o.Stage, o.Progress, o.Error, o.MachineId, o.CreatedAt, o.UpdatedAt,
        steps.Select(s => new OperationStepDto(s.Name, s.State, s.Detail, s.At)).ToList());
}

public sealed record HostDto(
    Guid Id, string Name, string Uri, string State, string? Hypervisor, string? Virtualization, int Cpus, long MemoryMiB,
    string? Hostname, int RunningMachines, string? LastError, DateTimeOffset CreatedAt,
    bool Maintenance, double CpuOvercommit, double MemoryOvercommit, long ReservedMemoryMiB, IReadOnlyList<string> Labels,
    int AllocatedVcpus, long AllocatedMemoryMiB)
{
    public static HostDto From(HostView v) => new(
        v.Host.Id, v.Host.Name, v.Host.Uri, v.Status.State.ToString().ToLowerInvariant(), v.Status.Hypervisor,
        VirtualizationName(v.Status.Virtualization), v.Status.Cpus, v.Status.MemoryMiB, v.Status.Hostname, v.RunningMachines,
        v.Status.LastError, v.Host.CreatedAt,
        v.Host.Maintenance, v.Host.CpuOvercommit, v.Host.MemoryOvercommit, v.Host.ReservedMemoryMiB, v.Host.Labels,
        v.AllocatedVcpus, v.AllocatedMemoryMiB);

    /// <summary>"kvm", "tcg" or "test": TCG is what libvirt calls domain type "qemu".</summary>
    public static string? VirtualizationName(string? domainType) => domainType switch
    {
        VirtualizationProbe.Tcg => "tcg",
        null => null,
        var other => other,
    };
}

public sealed record HostCreateDto(string? Name, string? Uri);

/// <summary>PATCH /hosts/{id}: every field optional.</summary>
public sealed record HostPatchDto(bool? Maintenance, double? CpuOvercommit, double? MemoryOvercommit, long? ReservedMemoryMiB, IReadOnlyList<string?>? Labels);

/// <summary>A machine's NIC: the domain's view, the reserved address and the current DHCP leases.</summary>
public sealed record MachineNicDto(string Mac, string Type, string? Source, string? Model, string? ReservedAddress, IReadOnlyList<NicLeaseDto> Leases)
{
    public static MachineNicDto From(CloudPortal.Core.Machines.MachineNic nic) =>
        new(nic.Mac, nic.Kind, nic.Source, nic.Model, nic.ReservedAddress,
            nic.Leases.Select(l => new NicLeaseDto(l.Address, l.ExpiresAt, l.Hostname)).ToList());
}

public sealed record NicLeaseDto(string Address, DateTimeOffset ExpiresAt, string? Hostname);
