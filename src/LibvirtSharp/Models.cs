namespace LibvirtSharp;

/// <summary>Credentials offered when the driver asks for authentication.</summary>
public sealed record ConnectionCredentials(string? Username, string? Password);

/// <summary>Host hardware summary (<c>virNodeInfo</c>).</summary>
public sealed record NodeInfo(string Model, ulong MemoryKiB, uint Cpus, uint Mhz, uint Nodes, uint Sockets, uint Cores, uint Threads);

/// <summary>Why libvirt closed a connection (<c>virConnectCloseReason</c>).</summary>
public enum ConnectionCloseReason
{
    /// <summary>Misc I/O error.</summary>
    Error = 0,
    /// <summary>End of file from the server.</summary>
    Eof = 1,
    /// <summary>Keepalive timer triggered.</summary>
    KeepAlive = 2,
    /// <summary>Client requested it.</summary>
    Client = 3,
}

/// <summary>A domain lifecycle event (<c>VIR_DOMAIN_EVENT_ID_LIFECYCLE</c>).</summary>
/// <param name="Detail">The per-type detail code (e.g. <c>virDomainEventStartedDetailType</c>).</param>
public sealed record DomainLifecycleEvent(Guid DomainUuid, string DomainName, DomainEventType Type, int Detail);

/// <summary>Lifecycle event types (<c>virDomainEventType</c>).</summary>
public enum DomainEventType
{
    /// <summary>Defined.</summary>
    Defined = 0,
    /// <summary>Undefined.</summary>
    Undefined = 1,
    /// <summary>Started.</summary>
    Started = 2,
    /// <summary>Suspended.</summary>
    Suspended = 3,
    /// <summary>Resumed.</summary>
    Resumed = 4,
    /// <summary>Stopped.</summary>
    Stopped = 5,
    /// <summary>Shutdown.</summary>
    Shutdown = 6,
    /// <summary>PM suspended.</summary>
    PMSuspended = 7,
    /// <summary>Crashed.</summary>
    Crashed = 8,
}

/// <summary>Domain run states (<c>virDomainState</c>).</summary>
public enum DomainState
{
    /// <summary>No state.</summary>
    NoState = 0,
    /// <summary>Running.</summary>
    Running = 1,
    /// <summary>Blocked on resource.</summary>
    Blocked = 2,
    /// <summary>Paused by user.</summary>
    Paused = 3,
    /// <summary>Being shut down.</summary>
    Shutdown = 4,
    /// <summary>Shut off.</summary>
    Shutoff = 5,
    /// <summary>Crashed.</summary>
    Crashed = 6,
    /// <summary>Suspended by guest power management.</summary>
    PMSuspended = 7,
}

/// <summary>State plus the state-specific reason code.</summary>
public sealed record DomainStateInfo(DomainState State, int Reason);

/// <summary>Domain resource summary (<c>virDomainInfo</c>).</summary>
public sealed record DomainInfo(DomainState State, ulong MaxMemoryKiB, ulong MemoryKiB, uint VirtCpus, ulong CpuTimeNanoseconds);

/// <summary>Flags for <see cref="Domain.Undefine"/> (<c>virDomainUndefineFlagsValues</c>).</summary>
[Flags]
public enum DomainUndefineFlags
{
    /// <summary>No extra cleanup.</summary>
    None = 0,
    /// <summary>Also remove a managed save image.</summary>
    ManagedSave = 1,
    /// <summary>Also remove snapshot metadata.</summary>
    SnapshotsMetadata = 2,
    /// <summary>Also remove the NVRAM file.</summary>
    Nvram = 4,
    /// <summary>Keep the NVRAM file.</summary>
    KeepNvram = 8,
    /// <summary>Also remove checkpoint metadata.</summary>
    CheckpointsMetadata = 16,
}

/// <summary>Which definition a change applies to (<c>VIR_DOMAIN_AFFECT_*</c>); Live and Config may be combined.</summary>
[Flags]
public enum MetadataImpact
{
    /// <summary>The live definition if running, else the persistent one.</summary>
    Current = 0,
    /// <summary>The running definition.</summary>
    Live = 1,
    /// <summary>The persistent definition.</summary>
    Config = 2,
}

/// <summary>Storage pool states (<c>virStoragePoolState</c>).</summary>
public enum StoragePoolState
{
    /// <summary>Not running.</summary>
    Inactive = 0,
    /// <summary>Initializing.</summary>
    Building = 1,
    /// <summary>Running normally.</summary>
    Running = 2,
    /// <summary>Running degraded.</summary>
    Degraded = 3,
    /// <summary>Running, but not accessible.</summary>
    Inaccessible = 4,
}

/// <summary>Pool figures in bytes (<c>virStoragePoolInfo</c>).</summary>
public sealed record StoragePoolInfo(StoragePoolState State, ulong CapacityBytes, ulong AllocationBytes, ulong AvailableBytes);

/// <summary><c>virStoragePoolBuildFlags</c>.</summary>
[Flags]
public enum StoragePoolBuildFlags : uint
{
    /// <summary>Regular build from scratch.</summary>
    New = 0,
    /// <summary>Repair.</summary>
    Repair = 1,
    /// <summary>Extend existing pool.</summary>
    Resize = 2,
    /// <summary>Do not overwrite existing pool data.</summary>
    NoOverwrite = 4,
    /// <summary>Overwrite data.</summary>
    Overwrite = 8,
}

/// <summary>Storage volume types (<c>virStorageVolType</c>).</summary>
public enum StorageVolumeType
{
    /// <summary>Regular file.</summary>
    File = 0,
    /// <summary>Block device.</summary>
    Block = 1,
    /// <summary>Directory passthrough.</summary>
    Dir = 2,
    /// <summary>Network volume.</summary>
    Network = 3,
    /// <summary>Network accessible directory.</summary>
    NetDir = 4,
    /// <summary>Ploop-based.</summary>
    Ploop = 5,
}

/// <summary>Volume figures in bytes (<c>virStorageVolInfo</c>): capacity is the virtual size, allocation what is used on disk.</summary>
public sealed record StorageVolumeInfo(StorageVolumeType Type, ulong CapacityBytes, ulong AllocationBytes);

/// <summary>Where a device change applies (<c>virDomainDeviceModifyFlags</c>); Live and Config combine.</summary>
[Flags]
public enum DeviceImpact
{
    /// <summary>The live definition if running, else the persistent one.</summary>
    Current = 0,
    /// <summary>The running guest.</summary>
    Live = 1,
    /// <summary>The persistent definition.</summary>
    Config = 2,
}

/// <summary>One DHCP lease a network's dnsmasq handed out (<c>virNetworkDHCPLease</c>).</summary>
public sealed record NetworkDhcpLease(
    string Interface, DateTimeOffset Expires, string Mac, string IpAddress, uint Prefix, string? Hostname, string? ClientId);
