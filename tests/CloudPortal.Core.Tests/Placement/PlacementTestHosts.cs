using CloudPortal.Core.Placement;

namespace CloudPortal.Core.Tests.Placement;

internal static class PlacementTestHosts
{
    public static readonly Guid Tenant = Guid.Parse("00000000-0000-0000-0000-0000000000aa");

    /// <summary>A connected host of 4 CPUs and 4096 MiB, with no overcommit on memory and 1024 MiB reserved unless told.</summary>
    public static HostCandidate Host(string name, int cpus = 4, long memoryMiB = 4096, long reserved = 1024,
        double cpuRatio = 1.0, double memRatio = 1.0, int allocVcpus = 0, long allocMemory = 0,
        bool connected = true, bool maintenance = false, params string[] labels) => new()
    {
        HostId = Guid.NewGuid(),
        Name = name,
        Connected = connected,
        Maintenance = maintenance,
        Cpus = cpus,
        MemoryMiB = memoryMiB,
        ReservedMemoryMiB = reserved,
        CpuOvercommit = cpuRatio,
        MemoryOvercommit = memRatio,
        AllocatedVcpus = allocVcpus,
        AllocatedMemoryMiB = allocMemory,
        Labels = labels,
    };

    public static PlacementRequest Request(int vcpus = 1, int memoryMiB = 512, params string[] labels) =>
        new(Tenant, vcpus, memoryMiB, labels);
}
