using CloudPortal.Core.Common;

namespace CloudPortal.Core.Quotas;

/// <summary>The arithmetic of quotas, free of storage so that it is tested on its own.</summary>
public static class QuotaRules
{
    public const long MaxCount = 1_000_000;
    /// <summary>1 PiB in MiB: more memory than any cloud this portal runs could have.</summary>
    public const long MaxMemoryMiB = 1024L * 1024 * 1024;
    /// <summary>1 EiB in GiB, for disks.</summary>
    public const long MaxDiskGiB = 1024L * 1024 * 1024;

    /// <summary>Refuses negative or absurd limits with a 400 field map.</summary>
    public static QuotaLimits Validate(QuotaLimits limits)
    {
        var errors = new ValidationErrors();
        void Check(string field, long? value, long max, string unit)
        {
            if (value is < 0)
                errors.Add(field, $"{field} must not be negative (null is unlimited, 0 allows nothing).");
            else if (value > max)
                errors.Add(field, $"{field} must be at most {max}{unit}.");
        }
        Check("machines", limits.Machines, MaxCount, "");
        Check("vcpus", limits.Vcpus, MaxCount, "");
        Check("memoryMiB", limits.MemoryMiB, MaxMemoryMiB, " MiB (1 PiB)");
        Check("diskGiB", limits.DiskGiB, MaxDiskGiB, " GiB");
        Check("volumes", limits.Volumes, MaxCount, "");
        Check("snapshots", limits.Snapshots, MaxCount, "");
        Check("networks", limits.Networks, MaxCount, "");
        Check("images", limits.Images, MaxCount, "");
        Check("runningVcpus", limits.RunningVcpus, MaxCount, "");
        Check("runningMemoryMiB", limits.RunningMemoryMiB, MaxMemoryMiB, " MiB (1 PiB)");
        Check("maxMachineVcpus", limits.MaxMachineVcpus, MaxCount, "");
        Check("maxMachineMemoryMiB", limits.MaxMachineMemoryMiB, MaxMemoryMiB, " MiB (1 PiB)");
        Check("maxMachineDiskGiB", limits.MaxMachineDiskGiB, MaxDiskGiB, " GiB");
        errors.ThrowIfAny();
        return limits;
    }

    /// <summary>
    /// Every reason the request does not fit: per-machine caps first, then each pooled resource the request asks
    /// for where limit &lt; used (committed + reserved) + requested. Empty when it fits.
    /// </summary>
    public static IReadOnlyList<string> Violations(QuotaLimits limits, QuotaAmounts used, QuotaAmounts request, MachineSize? size = null)
    {
        var violations = new List<string>();
        if (size is not null)
        {
            if (limits.MaxMachineVcpus is { } maxVcpus && size.Vcpus > maxVcpus)
                violations.Add($"vcpus per machine: limit {maxVcpus}, requested {size.Vcpus}");
            if (limits.MaxMachineMemoryMiB is { } maxMemory && size.MemoryMiB > maxMemory)
                violations.Add($"memory per machine: limit {maxMemory} MiB, requested {size.MemoryMiB} MiB");
            if (limits.MaxMachineDiskGiB is { } maxDisk && size.DiskGiB > maxDisk)
                violations.Add($"disk per machine: limit {maxDisk} GiB, requested {size.DiskGiB} GiB");
        }
        foreach (var resource in QuotaResources.All)
        {
            var requested = request.Of(resource);
            // Only what the request asks for is checked: a tenant over one limit may still use the others.
            if (requested <= 0 || limits.LimitOf(resource) is not { } limit)
                continue;
            var inUse = used.Of(resource);
            if (inUse + requested > limit)
            {
                var unit = resource.Unit();
                violations.Add($"{resource.Label()}: limit {limit}{unit}, used {inUse}{unit}, requested {requested}{unit}");
            }
        }
        return violations;
    }

    /// <summary>What is left of a resource for new requests; null when unlimited, never negative.</summary>
    public static long? Remaining(QuotaLimits limits, QuotaAmounts used, QuotaResource resource) =>
        limits.LimitOf(resource) is { } limit ? Math.Max(0, limit - used.Of(resource)) : null;
}
