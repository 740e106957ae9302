namespace CloudPortal.Core.Monitoring;

/// <summary>A series the portal records: its contract name and unit.</summary>
public sealed record MetricDefinition(string Name, string Unit, string Help);

/// <summary>
/// The fixed metric layout of a sample: values travel as float arrays in this order, so a ring or a push
/// never carries names per point.
/// </summary>
public static class MetricCatalog
{
    public static readonly IReadOnlyList<MetricDefinition> Machine =
    [
        new("cpu", "percent", "CPU used, percent of the machine's vCPUs"),
        new("memory.used", "MiB", "Memory used: the guest's own figure when its balloon driver reports one, else the QEMU process' resident set"),
        new("memory.allocated", "MiB", "Memory currently given to the machine (balloon)"),
        new("disk.read", "bytes/s", "Disk bytes read per second"),
        new("disk.write", "bytes/s", "Disk bytes written per second"),
        new("disk.read.iops", "ops/s", "Disk read requests per second"),
        new("disk.write.iops", "ops/s", "Disk write requests per second"),
        new("net.rx", "bytes/s", "Network bytes received per second"),
        new("net.tx", "bytes/s", "Network bytes sent per second"),
    ];

    public static readonly IReadOnlyList<MetricDefinition> Host =
    [
        new("cpu", "percent", "Host CPU busy, percent of all host CPUs"),
        new("memory.used", "MiB", "Host memory in use (total less free, buffers and cache)"),
        new("memory.total", "MiB", "Host memory"),
        new("memory.allocated", "MiB", "Memory given to the host's running domains"),
        new("vcpus.allocated", "vcpus", "vCPUs of the host's running domains"),
        new("machines.running", "machines", "Running domains on the host"),
        new("disk.read", "bytes/s", "Disk bytes read per second by the host's domains (sum of their rates)"),
        new("disk.write", "bytes/s", "Disk bytes written per second by the host's domains (sum of their rates)"),
        new("net.rx", "bytes/s", "Network bytes received per second by the host's domains (sum of their rates)"),
        new("net.tx", "bytes/s", "Network bytes sent per second by the host's domains (sum of their rates)"),
    ];

    public static class M
    {
        public const int Cpu = 0, MemoryUsed = 1, MemoryAllocated = 2, DiskRead = 3, DiskWrite = 4,
            DiskReadIops = 5, DiskWriteIops = 6, NetRx = 7, NetTx = 8, Count = 9;
    }

    public static class H
    {
        public const int Cpu = 0, MemoryUsed = 1, MemoryTotal = 2, MemoryAllocated = 3, VcpusAllocated = 4, MachinesRunning = 5,
            DiskRead = 6, DiskWrite = 7, NetRx = 8, NetTx = 9, Count = 10;
    }
}

public enum MetricEntity { Machine, Host }
