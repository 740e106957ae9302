namespace CloudPortal.Core.Placement;

/// <summary>How full a host would be, 0..1, on its most used resource (memory or vCPUs).</summary>
internal static class HostLoad
{
    public static double After(PlacementRequest request, HostCandidate host)
    {
        var memory = Fraction(host.AllocatedMemoryMiB + request.MemoryMiB, host.MemoryCapacityMiB);
        var cpu = Fraction(host.AllocatedVcpus + request.Vcpus, host.VcpuCapacity);
        return Math.Max(memory, cpu);
    }

    private static double Fraction(long used, long capacity) => capacity <= 0 ? 1.0 : Math.Clamp((double)used / capacity, 0.0, 1.0);
}
