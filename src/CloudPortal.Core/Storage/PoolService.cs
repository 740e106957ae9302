using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using LibvirtSharp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Storage;

/// <summary>
/// Storage pools for administrators. What exists and its figures are read live from each host; the database only
/// remembers which pools the portal defined, so one that vanished from its host is shown as missing.
/// </summary>
public sealed class PoolService(IHostStore hosts, IPoolStore records, HostConnections connections, IOptions<StorageOptions> options, ILogger<PoolService> log)
{
    public const string Missing = "missing";
    public const string Unreachable = "unreachable";

    private readonly StorageOptions _options = options.Value;

    public async Task<IReadOnlyList<PoolView>> ListAsync(Caller caller, Guid? hostId, CancellationToken ct)
    {
        EnsureAdmin(caller);
        var recorded = (await records.ListAsync(ct)).ToLookup(r => r.HostId);
        var result = new List<PoolView>();
        foreach (var host in await hosts.ListAsync(ct))
        {
            if (hostId is { } only && host.Id != only)
                continue;
            IReadOnlyList<PoolView> live;
            try
            {
                live = await connections.RunAsync(host.Id, connection => ReadPools(host.Id, connection), ct);
            }
            catch (Exception ex) when (ex is HostUnavailableException or LibvirtException)
            {
                log.LogDebug("Pools of host {Host} unreadable: {Message}", host.Name, ex.Message);
                result.AddRange(recorded[host.Id].Select(r => Absent(r, Unreachable)));
                continue;
            }
            var managed = recorded[host.Id].Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            result.AddRange(live.Select(p => p with { PortalManaged = managed.Contains(p.Name) || p.Name == _options.PortalPoolName }));
            var liveNames = live.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            result.AddRange(recorded[host.Id].Where(r => !liveNames.Contains(r.Name)).Select(r => Absent(r, Missing)));
        }
        return result;
    }

    public async Task<PoolView> GetAsync(Caller caller, Guid hostId, string name, CancellationToken ct) =>
        (await ListAsync(caller, hostId, ct)).FirstOrDefault(p => p.Name == name)
        ?? throw new NotFoundException($"Pool '{name}' was not found on host {hostId}.");

    /// <summary>Defines, builds and starts the pool (autostarted with the host's libvirtd), then records it.</summary>
    public async Task<PoolView> CreateAsync(Caller caller, PoolRequest request, CancellationToken ct)
    {
        EnsureAdmin(caller);
        var definition = PoolRules.Validate(request);
        var host = await hosts.GetAsync(definition.HostId, ct)
            ?? throw ValidationFailedException.For("hostId", $"Host {definition.HostId} does not exist.");
        var xml = StorageXmlBuilder.Pool(definition);
        await connections.RunAsync(host.Id, connection =>
        {
            using (var existing = connection.LookupStoragePoolByName(definition.Name))
                if (existing is not null)
                    throw new ConflictException($"A pool named '{definition.Name}' already exists on host '{host.Name}'.");
            using var pool = connection.DefineStoragePoolXml(xml);
            try
            {
                // dir pools create their directory; for the others building would format or mkfs, which an
                // administrator does on purpose, not as a side effect of registering a pool.
                if (definition.Type == PoolTypes.Dir)
                    pool.Build(StoragePoolBuildFlags.New);
                pool.Create();
                pool.Autostart = true;
            }
            catch
            {
                if (pool.IsActive)
                    pool.Destroy();
                pool.Undefine();
                throw;
            }
        }, ct);
        try
        {
            await records.InsertAsync(new PoolRecord
            {
                Id = Guid.NewGuid(), HostId = host.Id, Name = definition.Name, Type = definition.Type,
                TargetPath = definition.TargetPath, SourceDevice = definition.SourceDevice, SourceHost = definition.SourceHost,
                SourcePath = definition.SourcePath, SourceName = definition.SourceName, CreatedAt = Clock.Now(),
            }, ct);
        }
        catch
        {
            await connections.RunAsync(host.Id, connection => RemoveFromHost(connection, definition.Name, definition.Type == PoolTypes.Dir), CancellationToken.None);
            throw;
        }
        log.LogInformation("{User} defined {Type} pool {Name} on host {Host}", caller.Username, definition.Type, definition.Name, host.Name);
        return await GetAsync(caller, host.Id, definition.Name, ct);
    }

    public async Task<PoolView> ActAsync(Caller caller, Guid hostId, string name, PoolAction action, CancellationToken ct)
    {
        EnsureAdmin(caller);
        await connections.RunAsync(hostId, connection =>
        {
            using var pool = connection.LookupStoragePoolByName(name)
                ?? throw new NotFoundException($"Pool '{name}' was not found on host {hostId}.");
            switch (action)
            {
                case PoolAction.Start when pool.IsActive:
                    throw new ConflictException($"Pool '{name}' is already running.");
                case PoolAction.Start:
                    pool.Create();
                    break;
                case PoolAction.Stop when !pool.IsActive:
                    throw new ConflictException($"Pool '{name}' is not running.");
                case PoolAction.Stop:
                    pool.Destroy();
                    break;
                case PoolAction.Refresh when !pool.IsActive:
                    throw new ConflictException($"Pool '{name}' is not running; start it to refresh it.");
                case PoolAction.Refresh:
                    pool.Refresh();
                    break;
            }
        }, ct);
        return await GetAsync(caller, hostId, name, ct);
    }

    /// <summary>Removes an empty portal-defined pool from its host (stop, delete its directory for dir pools, undefine) and forgets it.</summary>
    public async Task DeleteAsync(Caller caller, Guid hostId, string name, CancellationToken ct)
    {
        EnsureAdmin(caller);
        var recorded = (await records.ListAsync(ct)).FirstOrDefault(r => r.HostId == hostId && r.Name == name);
        bool existed = await connections.RunAsync(hostId, connection =>
        {
            using var pool = connection.LookupStoragePoolByName(name);
            if (pool is null)
                return false;
            // Pools the portal did not define belong to whoever made them (libvirt's default, a lab's shared pool).
            if (recorded is null)
                throw new ConflictException($"Pool '{name}' was not defined by the portal; remove it on the host itself.");
            if (pool.IsActive)
            {
                pool.Refresh();
                var volumes = pool.ListAllVolumes();
                foreach (var volume in volumes)
                    volume.Dispose();
                if (volumes.Count > 0)
                    throw new ConflictException($"Pool '{name}' still holds {volumes.Count} volume(s); remove them first.");
            }
            bool isDir = XDocument.Parse(pool.GetXmlDescription(inactive: true)).Root?.Attribute("type")?.Value == PoolTypes.Dir;
            RemoveFromHost(connection, name, isDir);
            return true;
        }, ct);
        if (!existed && recorded is null)
            throw new NotFoundException($"Pool '{name}' was not found on host {hostId}.");
        if (recorded is not null)
            await records.DeleteAsync(hostId, name, ct);
        log.LogInformation("{User} deleted pool {Name} on host {Host}", caller.Username, name, hostId);
    }

    /// <summary>The pool's volumes (disks), for the pools page and other pages that list disks.</summary>
    public async Task<IReadOnlyList<VolumeView>> ListVolumesAsync(Caller caller, Guid hostId, string name, CancellationToken ct)
    {
        EnsureAdmin(caller);
        return await connections.RunAsync(hostId, connection =>
        {
            using var pool = connection.LookupStoragePoolByName(name)
                ?? throw new NotFoundException($"Pool '{name}' was not found on host {hostId}.");
            if (!pool.IsActive)
                throw new ConflictException($"Pool '{name}' is not running.");
            var volumes = pool.ListAllVolumes();
            try
            {
                return volumes.Select(v =>
                {
                    var info = v.GetInfo();
                    var xml = XDocument.Parse(v.GetXmlDescription()).Root;
                    return new VolumeView(v.Name, v.GetPath(),
                        xml?.Element("target")?.Element("format")?.Attribute("type")?.Value,
                        (long)info.CapacityBytes, (long)info.AllocationBytes,
                        xml?.Element("backingStore")?.Element("path")?.Value);
                }).OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
            }
            finally
            {
                foreach (var volume in volumes)
                    volume.Dispose();
            }
        }, ct);
    }

    private IReadOnlyList<PoolView> ReadPools(Guid hostId, Connection connection)
    {
        var pools = connection.ListAllStoragePools();
        try
        {
            return pools.Select(pool =>
            {
                var info = pool.GetInfo();
                var xml = XDocument.Parse(pool.GetXmlDescription()).Root;
                long capacity = (long)info.CapacityBytes, allocation = (long)info.AllocationBytes;
                bool nearlyFull = info.State == StoragePoolState.Running && capacity > 0
                    && (double)allocation / capacity >= _options.NearlyFullRatio;
                return new PoolView(hostId, pool.Name, xml?.Attribute("type")?.Value, info.State.ToString().ToLowerInvariant(),
                    xml?.Element("target")?.Element("path")?.Value, capacity, allocation, (long)info.AvailableBytes,
                    pool.Autostart, false, nearlyFull);
            }).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        }
        finally
        {
            foreach (var pool in pools)
                pool.Dispose();
        }
    }

    private static PoolView Absent(PoolRecord record, string state) =>
        new(record.HostId, record.Name, record.Type, state, record.TargetPath, 0, 0, 0, false, true, false);

    private static void RemoveFromHost(Connection connection, string name, bool deleteDirectory)
    {
        using var pool = connection.LookupStoragePoolByName(name);
        if (pool is null)
            return;
        if (pool.IsActive)
            pool.Destroy();
        if (deleteDirectory)
            pool.Delete();
        pool.Undefine();
    }

    private static void EnsureAdmin(Caller caller)
    {
        if (!caller.IsAdmin)
            throw new ForbiddenException("Only administrators may manage storage pools.");
    }
}
