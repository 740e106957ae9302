namespace CloudPortal.Core.Placement;

/// <summary>
/// One host as placement sees it: hardware, the administrator's capacity settings and what is already placed there.
/// A snapshot built per decision, so filters and weighers are pure functions of it.
/// </summary>
public sealed record HostCandidate
{
    public required Guid HostId { get; init; }
    public required string Name { get; init; }
    public bool Connected { get; init; }
    public bool Maintenance { get; init; }
    public int Cpus { get; init; }
    public long MemoryMiB { get; init; }
    /// <summary>Memory kept for the host itself (its kernel, libvirt, QEMU overheads); never given to machines.</summary>
    public long ReservedMemoryMiB { get; init; }
    public double CpuOvercommit { get; init; } = HostCapacityDefaults.CpuOvercommit;
    public double MemoryOvercommit { get; init; } = HostCapacityDefaults.MemoryOvercommit;
    public IReadOnlyCollection<string> Labels { get; init; } = [];
    public int AllocatedVcpus { get; init; }
    public long AllocatedMemoryMiB { get; init; }
    public IReadOnlyCollection<Guid> TenantsPresent { get; init; } = [];
    /// <summary>The dedicated tenant this host is assigned to, if any: it takes only that tenant's machines.</summary>
    public Guid? DedicatedTenantId { get; init; }

    /// <summary>vCPUs machines may have in total: the CPUs times the overcommit ratio, rounded down.</summary>
    public int VcpuCapacity => (int)Math.Floor(Cpus * CpuOvercommit);

    /// <summary>Memory machines may have in total: what the host does not reserve, times the overcommit ratio.</summary>
    public long MemoryCapacityMiB => (long)Math.Floor(Math.Max(0, MemoryMiB - ReservedMemoryMiB) * MemoryOvercommit);

    public int FreeVcpus => VcpuCapacity - AllocatedVcpus;
    public long FreeMemoryMiB => MemoryCapacityMiB - AllocatedMemoryMiB;

    /// <summary>The same host after a machine of this size lands on it (for batches and the benchmark).</summary>
    public HostCandidate With(PlacementRequest request) => this with
    {
        AllocatedVcpus = AllocatedVcpus + request.Vcpus,
        AllocatedMemoryMiB = AllocatedMemoryMiB + request.MemoryMiB,
        TenantsPresent = TenantsPresent.Contains(request.TenantId) ? TenantsPresent : [.. TenantsPresent, request.TenantId],
    };
}

/// <summary>The defaults a host gets until an administrator sets its own: the same values as the migration's.</summary>
public static class HostCapacityDefaults
{
    /// <summary>vCPUs are time-shared, so 4 per physical CPU is a common, safe default for general workloads.</summary>
    public const double CpuOvercommit = 4.0;
    /// <summary>Memory is not overcommitted by default: a guest that swaps on the host hurts every tenant there.</summary>
    public const double MemoryOvercommit = 1.0;
    /// <summary>Small lab hosts have little memory; 256 MiB covers libvirtd and QEMU overheads there.</summary>
    public const long ReservedMemoryMiB = 256;
}
