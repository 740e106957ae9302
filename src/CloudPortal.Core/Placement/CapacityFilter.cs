using System.Globalization;

namespace CloudPortal.Core.Placement;

/// <summary>Enough vCPUs and memory left after overcommit, the host's reserve and what is already placed there.</summary>
public sealed class CapacityFilter : IHostFilter
{
    public string Name => "capacity";

    public bool Passes(PlacementRequest request, HostCandidate host) =>
        request.Vcpus <= host.FreeVcpus && request.MemoryMiB <= host.FreeMemoryMiB;

    public string? Reject(PlacementRequest request, HostCandidate host)
    {
        var reasons = new List<string>(2);
        if (request.Vcpus > host.FreeVcpus)
            reasons.Add($"vcpus: needs {request.Vcpus}, free {Math.Max(0, host.FreeVcpus)} of {host.Cpus} CPUs after overcommit {Ratio(host.CpuOvercommit)}");
        if (request.MemoryMiB > host.FreeMemoryMiB)
            reasons.Add($"memory: needs {request.MemoryMiB} MiB, free {Math.Max(0, host.FreeMemoryMiB)} MiB after overcommit {Ratio(host.MemoryOvercommit)} and {host.ReservedMemoryMiB} MiB reserved");
        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>"1.0", "4.0", "1.5": always one decimal at least so a ratio reads as a ratio.</summary>
    internal static string Ratio(double value) => value.ToString("0.0##", CultureInfo.InvariantCulture);
}
