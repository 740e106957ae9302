using CloudPortal.Core.Machines;

namespace CloudPortal.Core.Quotas;

/// <summary>A tenant's limits: null is unlimited, 0 allows nothing. The Max* are per-machine size caps.</summary>
public sealed record QuotaLimits
{
    public long? Machines { get; init; }
    public long? Vcpus { get; init; }
    public long? MemoryMiB { get; init; }
    public long? DiskGiB { get; init; }
    public long? Volumes { get; init; }
    public long? Snapshots { get; init; }
    public long? Networks { get; init; }
    public long? Images { get; init; }
    public long? RunningVcpus { get; init; }
    public long? RunningMemoryMiB { get; init; }
    public long? MaxMachineVcpus { get; init; }
    public long? MaxMachineMemoryMiB { get; init; }
    public long? MaxMachineDiskGiB { get; init; }

    public static readonly QuotaLimits Unlimited = new();

    /// <summary>The limit of a pooled resource, in the order of <see cref="QuotaResources.All"/>.</summary>
    public long? LimitOf(QuotaResource resource) => resource switch
    {
        QuotaResource.Machines => Machines,
        QuotaResource.Vcpus => Vcpus,
        QuotaResource.MemoryMiB => MemoryMiB,
        QuotaResource.DiskGiB => DiskGiB,
        QuotaResource.Volumes => Volumes,
        QuotaResource.Snapshots => Snapshots,
        QuotaResource.Networks => Networks,
        QuotaResource.Images => Images,
        QuotaResource.RunningVcpus => RunningVcpus,
        QuotaResource.RunningMemoryMiB => RunningMemoryMiB,
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
    };
}

/// <summary>The pooled resources a tenant uses; running ones are charged only while a machine runs.</summary>
public enum QuotaResource { Machines, Vcpus, MemoryMiB, DiskGiB, Volumes, Snapshots, Networks, Images, RunningVcpus, RunningMemoryMiB }

public static class QuotaResources
{
    public static readonly IReadOnlyList<QuotaResource> All = Enum.GetValues<QuotaResource>();

    /// <summary>The API's camelCase field name of a resource ("memoryMiB", "runningVcpus" ...).</summary>
    public static string FieldName(this QuotaResource resource)
    {
        var name = resource.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>The words used in refusals: "memory: limit 2048 MiB, used 1792 MiB, requested 512 MiB".</summary>
    public static string Label(this QuotaResource resource) => resource switch
    {
        QuotaResource.MemoryMiB => "memory",
        QuotaResource.DiskGiB => "disk",
        QuotaResource.RunningVcpus => "running vcpus",
        QuotaResource.RunningMemoryMiB => "running memory",
        _ => resource.ToString().ToLowerInvariant(),
    };

    public static string Unit(this QuotaResource resource) => resource switch
    {
        QuotaResource.MemoryMiB or QuotaResource.RunningMemoryMiB => " MiB",
        QuotaResource.DiskGiB => " GiB",
        _ => "",
    };

    /// <summary>
    /// The states in which a machine's vCPUs and memory count against the running limits. Provisioning is not one:
    /// a machine being created is held by its create reservation until it leaves that state.
    /// </summary>
    public static bool IsChargedRunning(MachineState state) =>
        state is MachineState.Running or MachineState.Paused or MachineState.Migrating or MachineState.Stopping;

    /// <summary>Whether a machine in this state is in the defined usage (otherwise its create reservation holds it).</summary>
    public static bool IsChargedDefined(MachineState state) => state != MachineState.Provisioning;
}

/// <summary>An amount of each pooled resource: a usage, a reservation or a request.</summary>
public sealed record QuotaAmounts
{
    public long Machines { get; init; }
    public long Vcpus { get; init; }
    public long MemoryMiB { get; init; }
    public long DiskGiB { get; init; }
    public long Volumes { get; init; }
    public long Snapshots { get; init; }
    public long Networks { get; init; }
    public long Images { get; init; }
    public long RunningVcpus { get; init; }
    public long RunningMemoryMiB { get; init; }

    public static readonly QuotaAmounts Zero = new();

    public long Of(QuotaResource resource) => resource switch
    {
        QuotaResource.Machines => Machines,
        QuotaResource.Vcpus => Vcpus,
        QuotaResource.MemoryMiB => MemoryMiB,
        QuotaResource.DiskGiB => DiskGiB,
        QuotaResource.Volumes => Volumes,
        QuotaResource.Snapshots => Snapshots,
        QuotaResource.Networks => Networks,
        QuotaResource.Images => Images,
        QuotaResource.RunningVcpus => RunningVcpus,
        QuotaResource.RunningMemoryMiB => RunningMemoryMiB,
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
    };

    public static QuotaAmounts operator +(QuotaAmounts a, QuotaAmounts b) => new()
    {
        Machines = a.Machines + b.Machines, Vcpus = a.Vcpus + b.Vcpus, MemoryMiB = a.MemoryMiB + b.MemoryMiB,
        DiskGiB = a.DiskGiB + b.DiskGiB, Volumes = a.Volumes + b.Volumes, Snapshots = a.Snapshots + b.Snapshots,
        Networks = a.Networks + b.Networks, Images = a.Images + b.Images,
        RunningVcpus = a.RunningVcpus + b.RunningVcpus, RunningMemoryMiB = a.RunningMemoryMiB + b.RunningMemoryMiB,
    };

    public static QuotaAmounts operator -(QuotaAmounts a, QuotaAmounts b) => a + b.Negate();

    public QuotaAmounts Negate() => new()
    {
        Machines = -Machines, Vcpus = -Vcpus, MemoryMiB = -MemoryMiB, DiskGiB = -DiskGiB, Volumes = -Volumes,
        Snapshots = -Snapshots, Networks = -Networks, Images = -Images, RunningVcpus = -RunningVcpus, RunningMemoryMiB = -RunningMemoryMiB,
    };

    /// <summary>What a machine adds to the defined usage (it exists, whatever it does), its root disk included.</summary>
    public static QuotaAmounts DefinedOf(int vcpus, int memoryMiB, long diskGiB) =>
        new() { Machines = 1, Vcpus = vcpus, MemoryMiB = memoryMiB, DiskGiB = diskGiB };

    /// <summary>A disk's size in whole GiB, rounded up, as the disk quota counts it.</summary>
    public static long GiBOf(long bytes) => (bytes + (1L << 30) - 1) >> 30;

    /// <summary>What a machine adds to the running usage while it is in a charged-running state.</summary>
    public static QuotaAmounts RunningOf(int vcpus, int memoryMiB) => new() { RunningVcpus = vcpus, RunningMemoryMiB = memoryMiB };

    /// <summary>The running charge that moves when a machine goes from one state to another.</summary>
    public static QuotaAmounts RunningDelta(MachineState from, MachineState to, int vcpus, int memoryMiB) =>
        (QuotaResources.IsChargedRunning(from), QuotaResources.IsChargedRunning(to)) switch
        {
            (false, true) => RunningOf(vcpus, memoryMiB),
            (true, false) => RunningOf(vcpus, memoryMiB).Negate(),
            _ => Zero,
        };
}

/// <summary>A request's per-machine size, checked against the Max* caps.</summary>
public sealed record MachineSize(int Vcpus, int MemoryMiB, int DiskGiB = 0);

/// <summary>A tenant's limits with what it uses and what in-flight requests hold.</summary>
public sealed record QuotaView(Guid TenantId, bool IsDefault, QuotaLimits Limits, QuotaAmounts Usage, QuotaAmounts Reserved)
{
    /// <summary>Resources whose use (committed + reserved) is above the limit, e.g. after an admin lowered it.</summary>
    public IReadOnlyList<QuotaResource> Over => QuotaResources.All
        .Where(r => Limits.LimitOf(r) is { } limit && Usage.Of(r) + Reserved.Of(r) > limit).ToList();
}

/// <summary>One recorded quota change; <see cref="TenantId"/> null is the default quota.</summary>
public sealed record QuotaChange(long Id, Guid? TenantId, Guid? UserId, string? Username, QuotaLimits? Old, QuotaLimits New, DateTimeOffset At);

/// <summary>A resource whose recorded usage differed from what the machines that exist add up to.</summary>
public sealed record QuotaDrift(QuotaResource Resource, long Recorded, long Actual);
