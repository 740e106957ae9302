using CloudPortal.Core.Hosts;
using CloudPortal.Core.Storage;
using LibvirtSharp;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Tests.Storage;

/// <summary>
/// A portal pool of a test's own on the real qemu:///system (named <c>prefix</c> plus a random tag, under /var/lib) and
/// a host connection to it. Domains and pools of the prefix left by a crashed earlier run are swept at start; the pool,
/// the domains the test tracked and the work directory are removed at the end, whatever happened in between.
/// </summary>
public sealed class RealHostPool : IAsyncDisposable
{
    public const string Uri = "qemu:///system";

    private readonly List<Guid> _domains = [];

    private RealHostPool(string prefix)
    {
        Prefix = prefix;
        Pool = prefix + Guid.NewGuid().ToString("N")[..8];
        WorkDirectory = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..8]);
    }

    public string Prefix { get; }
    public string Pool { get; }
    /// <summary>A scratch directory for images the test makes with qemu-img.</summary>
    public string WorkDirectory { get; }
    public Guid HostId { get; } = Guid.NewGuid();
    public HostConnections Connections { get; private set; } = null!;

    public static async Task<RealHostPool> StartAsync(string prefix)
    {
        var pool = new RealHostPool(prefix);
        SweepLeftovers(prefix);
        Directory.CreateDirectory(pool.WorkDirectory);
        pool.Connections = new HostConnections(new VirtualizationProbe(NullLogger<VirtualizationProbe>.Instance), NullLogger<HostConnections>.Instance);
        pool.Connections.Start(new Host { Id = pool.HostId, Name = "local", Uri = Uri });
        if (!await pool.Connections.WaitConnectedAsync(pool.HostId, TimeSpan.FromSeconds(60), CancellationToken.None))
        {
            await pool.DisposeAsync();
            throw new InvalidOperationException($"{Uri} did not connect: {pool.Connections.GetStatus(pool.HostId).LastError}");
        }
        return pool;
    }

    /// <summary>Disks in this pool, as a portal configured with it would manage them (default age guard unless given).</summary>
    public MachineDisks Disks(TimeSpan? leftoverMinimumAge = null)
    {
        var options = new StorageOptions { PortalPoolName = Pool, PortalPoolPath = "/var/lib/" + Pool };
        if (leftoverMinimumAge is { } age)
            options.LeftoverDiskMinimumAge = age;
        return new MachineDisks(Connections, Options.Create(options), NullLogger<MachineDisks>.Instance);
    }

    /// <summary>A domain the test defines: destroyed and undefined at the end.</summary>
    public void TrackDomain(Guid domainUuid) => _domains.Add(domainUuid);

    public List<string> VolumeNames()
    {
        using var conn = Connection.Open(Uri);
        using var pool = conn.LookupStoragePoolByName(Pool)!;
        pool.Refresh();
        var vols = pool.ListAllVolumes();
        var names = vols.Select(v => v.Name).Order(StringComparer.Ordinal).ToList();
        foreach (var v in vols)
            v.Dispose();
        return names;
    }

    public async ValueTask DisposeAsync()
    {
        await Connections.DisposeAsync();
        using (var conn = Connection.Open(Uri))
        {
            foreach (var uuid in _domains)
            {
                using var dom = conn.LookupDomainByUuid(uuid);
                if (dom is not null)
                    RemoveDomain(dom);
            }
            using (var pool = conn.LookupStoragePoolByName(Pool))
                if (pool is not null)
                    RemovePool(pool);
        }
        if (Directory.Exists(WorkDirectory))
            Directory.Delete(WorkDirectory, recursive: true);
    }

    private static void SweepLeftovers(string prefix)
    {
        using var conn = Connection.Open(Uri);
        foreach (var dom in conn.ListAllDomains())
        {
            using (dom)
            {
                if (dom.Name.StartsWith(prefix, StringComparison.Ordinal))
                    RemoveDomain(dom);
            }
        }
        foreach (var pool in conn.ListAllStoragePools())
        {
            using (pool)
            {
                if (pool.Name.StartsWith(prefix, StringComparison.Ordinal))
                    RemovePool(pool);
            }
        }
    }

    private static void RemoveDomain(Domain dom)
    {
        if (dom.IsActive)
            dom.Destroy();
        dom.Undefine(DomainUndefineFlags.ManagedSave);
    }

    private static void RemovePool(StoragePool pool)
    {
        if (!pool.IsActive)
            pool.Create();
        pool.Refresh();
        // libvirt does not care about the order: overlays and their bases go alike.
        foreach (var vol in pool.ListAllVolumes())
        {
            using (vol)
                vol.Delete();
        }
        pool.Destroy();
        pool.Delete();
        pool.Undefine();
    }
}
