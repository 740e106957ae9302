using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Xml.Linq;
using CloudPortal.Core.Common;
using CloudPortal.Core.Hosts;
using CloudPortal.Core.Images;
using CloudPortal.Core.Machines;
using LibvirtSharp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CloudPortal.Core.Storage;

/// <summary>
/// Copy-on-write machine disks: one base volume per image content (named by its SHA-256) in each host's portal
/// pool, uploaded through a libvirt stream the first time a machine of that image lands there, and one qcow2
/// overlay per machine on top of it. Names are derived (base-&lt;sha256&gt;, &lt;domainUuid&gt;.qcow2) so that a
/// rollback after a crash finds what to remove without any record of it.
/// </summary>
public sealed class MachineDisks(HostConnections connections, IOptions<StorageOptions> options, ILogger<MachineDisks> log)
{
    private const string BasePrefix = "base-";
    private const string OverlaySuffix = ".qcow2";
    private const string CapturePrefix = "capture-";

    private readonly StorageOptions _options = options.Value;
    // Bases whose bytes were hashed since this portal started; a base found on a host otherwise is hashed once
    // before use, because an upload cut short by a crash leaves a volume of the right name and size.
    private readonly ConcurrentDictionary<(Guid Host, string Sha256), bool> _verified = new();
    // Creating an overlay and collecting unused bases must not interleave on a host, or a base could be removed
    // between "it is there" and "the overlay points at it".
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _hostLocks = new();

    public static string BaseVolumeName(ImageContent image) =>
        BasePrefix + image.Sha256 + (image.Format == ImageFormat.Qcow2 ? ".qcow2" : ".img");

    public static string OverlayName(Guid domainUuid) => domainUuid.ToString("D") + OverlaySuffix;

    /// <summary>The machine's NoCloud seed volume: derived from its domain, so rollback and delete find it without a record.</summary>
    public static string SeedName(Guid domainUuid) => "seed-" + domainUuid.ToString("D") + ".iso";

    /// <summary>
    /// The flattened copy a capture makes of a machine's disk before downloading it: named after the capture's operation,
    /// so that the collector can tell whether the capture that made it still runs.
    /// </summary>
    public static string CaptureName(Guid operationId) => CapturePrefix + operationId.ToString("D") + OverlaySuffix;

    /// <summary>The capture operation a volume was made by, by its derived name; null for any other volume.</summary>
    public static Guid? CaptureOfVolume(string volumeName) =>
        volumeName.StartsWith(CapturePrefix, StringComparison.Ordinal) && volumeName.EndsWith(OverlaySuffix, StringComparison.Ordinal)
        && Guid.TryParseExact(volumeName[CapturePrefix.Length..^OverlaySuffix.Length], "D", out var operationId)
            ? operationId
            : null;

    /// <summary>Uploads the seed ISO into the host's portal pool through a libvirt stream (the host may be remote); returns its path there.</summary>
    public Task<string> UploadSeedAsync(Guid hostId, Guid domainUuid, string isoPath, CancellationToken ct) =>
        connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            using (var leftover = pool.LookupVolumeByName(SeedName(domainUuid)))
                leftover?.Delete();
            var length = new FileInfo(isoPath).Length;
            using var volume = pool.CreateVolume(StorageXmlBuilder.Volume(new VolumeSpec(SeedName(domainUuid), ImageFormat.Raw, length)));
            try
            {
                using var file = File.OpenRead(isoPath);
                volume.Upload(connection, file, (ulong)length);
                return volume.GetPath();
            }
            catch
            {
                volume.Delete();
                throw;
            }
        }, ct);

    /// <summary>The overlay's capacity: the requested size or the image's virtual size, whichever is bigger.</summary>
    public static long CapacityBytes(ImageContent image, int? diskGiB) =>
        Math.Max(Math.Max(image.VirtualSizeBytes, (diskGiB ?? 0) * (1L << 30)), (image.MinDiskGiB ?? 0) * (1L << 30));

    /// <summary>Creates the machine's overlay (replacing a leftover of an interrupted attempt) and returns its path.</summary>
    public async Task<string> CreateOverlayAsync(Guid hostId, Guid domainUuid, ImageContent image, long capacityBytes, CancellationToken ct)
    {
        var gate = _hostLocks.GetOrAdd(hostId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            string basePath = await EnsureBaseAsync(hostId, image, ct);
            return await connections.RunAsync(hostId, connection =>
            {
                using var pool = EnsurePortalPool(connection);
                using (var leftover = pool.LookupVolumeByName(OverlayName(domainUuid)))
                    leftover?.Delete();
                var xml = StorageXmlBuilder.Volume(new VolumeSpec(OverlayName(domainUuid), ImageFormat.Qcow2, capacityBytes, basePath, image.Format));
                using var overlay = pool.CreateVolume(xml);
                return overlay.GetPath();
            }, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// A new machine's disk as a full copy of another's (libvirt copies it with qemu-img convert, which reads through
    /// the backing image): the clone shares nothing with its source. Replaces a leftover of an interrupted attempt.
    /// </summary>
    public async Task<string> CloneDiskAsync(Guid hostId, Guid sourceDomainUuid, Guid domainUuid, MachineSnapshot? snapshot, CancellationToken ct)
    {
        var gate = _hostLocks.GetOrAdd(hostId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            return await connections.RunAsync(hostId, connection =>
            {
                using var pool = EnsurePortalPool(connection);
                using var source = pool.LookupVolumeByName(OverlayName(sourceDomainUuid))
                    ?? throw new ConflictException("The source machine's disk is missing from its host's pool.");
                using (var leftover = pool.LookupVolumeByName(OverlayName(domainUuid)))
                    leftover?.Delete();
                var capacity = (long)source.GetInfo().CapacityBytes;
                string Copy()
                {
                    using var copy = pool.CreateVolumeFrom(StorageXmlBuilder.Volume(new VolumeSpec(OverlayName(domainUuid), ImageFormat.Qcow2, capacity)), source);
                    return copy.GetPath();
                }
                if (snapshot is null)
                    return Copy();
                using var domain = connection.LookupDomainByUuid(sourceDomainUuid)
                    ?? throw new ConflictException("The source machine has no domain on its host.");
                return SnapshotCopy.AtSnapshot(domain, snapshot, Copy);
            }, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes the machine's overlay, then every base in the pool that no overlay uses any more.</summary>
    /// <returns>Whether an overlay existed.</returns>
    public async Task<bool> RemoveOverlayAsync(Guid hostId, Guid domainUuid, CancellationToken ct)
    {
        var gate = _hostLocks.GetOrAdd(hostId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var (existed, removedBases) = await connections.RunAsync(hostId, connection =>
            {
                using var pool = connection.LookupStoragePoolByName(_options.PortalPoolName);
                if (pool is null || !pool.IsActive)
                    return (false, new List<string>());
                bool existed = false;
                using (var seed = pool.LookupVolumeByName(SeedName(domainUuid)))
                    seed?.Delete();
                using (var overlay = pool.LookupVolumeByName(OverlayName(domainUuid)))
                {
                    if (overlay is not null)
                    {
                        overlay.Delete();
                        existed = true;
                    }
                }
                return (existed, RemoveUnusedBases(pool));
            }, ct);
            ForgetBases(hostId, removedBases);
            return existed;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Removes overlays and seeds in the host's pool that belong to no machine the portal places on this host, capture
    /// copies whose capture no longer runs, then every base no overlay uses any more. They are left behind when a host
    /// drops: a create placed again elsewhere leaves its overlay on the dropped host, a crash between an overlay's
    /// removal and the base collection leaves a base, and a portal that dies mid-capture (or cannot reach the host when
    /// the capture ends) leaves its copy. A disk whose domain is still defined there is left alone, and nothing younger
    /// than <see cref="StorageOptions.LeftoverDiskMinimumAge"/> is touched.
    /// </summary>
    /// <param name="isPlacedHere">Whether a machine with this domain UUID is recorded on this host.</param>
    /// <param name="isCaptureRunning">Whether the capture operation with this id is still at work.</param>
    /// <returns>The names of the volumes removed.</returns>
    public async Task<IReadOnlyList<string>> CollectOrphansAsync(Guid hostId, Func<Guid, CancellationToken, Task<bool>> isPlacedHere,
        Func<Guid, bool> isCaptureRunning, CancellationToken ct)
    {
        var gate = _hostLocks.GetOrAdd(hostId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            // Listed before the records are read: a create records its machine before it makes the overlay, and a capture
            // is running before it makes its copy, so every disk listed here already has its owner if it has one.
            var (candidates, captures) = await connections.RunAsync(hostId, connection =>
            {
                var found = new List<(string Name, Guid DomainUuid)>();
                var copies = new List<(string Name, Guid OperationId)>();
                using var pool = connection.LookupStoragePoolByName(_options.PortalPoolName);
                if (pool is null || !pool.IsActive)
                    return (found, copies);
                pool.Refresh();
                var volumes = pool.ListAllVolumes();
                try
                {
                    foreach (var volume in volumes)
                    {
                        var uuid = DomainOfDisk(volume.Name);
                        var capture = uuid is null ? CaptureOfVolume(volume.Name) : null;
                        if ((uuid is null && capture is null) || Age(volume.GetXmlDescription()) < _options.LeftoverDiskMinimumAge)
                            continue;
                        if (capture is { } operationId)
                        {
                            copies.Add((volume.Name, operationId));
                            continue;
                        }
                        using var domain = connection.LookupDomainByUuid(uuid!.Value);
                        if (domain is null)
                            found.Add((volume.Name, uuid.Value));
                    }
                    return (found, copies);
                }
                finally
                {
                    foreach (var volume in volumes)
                        volume.Dispose();
                }
            }, ct);
            var orphans = new List<string>();
            foreach (var (name, uuid) in candidates)
            {
                if (!await isPlacedHere(uuid, ct))
                    orphans.Add(name);
            }
            // A capture that still runs removes its copy itself when it ends; one that is not running never will.
            orphans.AddRange(captures.Where(c => !isCaptureRunning(c.OperationId)).Select(c => c.Name));
            var (removed, removedBases) = await connections.RunAsync(hostId, connection =>
            {
                using var pool = connection.LookupStoragePoolByName(_options.PortalPoolName);
                if (pool is null || !pool.IsActive)
                    return (new List<string>(), new List<string>());
                var removed = new List<string>();
                foreach (var name in orphans)
                {
                    using var volume = pool.LookupVolumeByName(name);
                    if (volume is null)
                        continue;
                    volume.Delete();
                    removed.Add(name);
                }
                return (removed, RemoveUnusedBases(pool));
            }, ct);
            foreach (var name in removed)
                log.LogInformation("Removed {Name} from host {Host}: no machine of the portal there uses it", name, hostId);
            ForgetBases(hostId, removedBases);
            return [.. removed, .. removedBases];
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The domain a machine's overlay or seed belongs to, by its derived name; null for any other volume.</summary>
    public static Guid? DomainOfDisk(string volumeName)
    {
        var stem = volumeName.StartsWith("seed-", StringComparison.Ordinal) && volumeName.EndsWith(".iso", StringComparison.Ordinal)
            ? volumeName["seed-".Length..^".iso".Length]
            : volumeName.EndsWith(OverlaySuffix, StringComparison.Ordinal) ? volumeName[..^OverlaySuffix.Length] : null;
        return stem is not null && Guid.TryParseExact(stem, "D", out var uuid) ? uuid : null;
    }

    private void ForgetBases(Guid hostId, List<string> removedBases)
    {
        foreach (var name in removedBases)
        {
            _verified.TryRemove((hostId, name[BasePrefix.Length..name.IndexOf('.', StringComparison.Ordinal)]), out _);
            log.LogInformation("Removed base volume {Name} from host {Host}: no overlay uses it", name, hostId);
        }
    }

    /// <summary>Creates an empty qcow2 data volume in the host's portal pool (replacing a leftover of a crashed create); returns its path.</summary>
    public Task<string> CreateDataVolumeAsync(Guid hostId, string name, long capacityBytes, CancellationToken ct) =>
        connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            using (var leftover = pool.LookupVolumeByName(name))
                leftover?.Delete();
            using var volume = pool.CreateVolume(StorageXmlBuilder.Volume(new VolumeSpec(name, ImageFormat.Qcow2, capacityBytes)));
            return volume.GetPath();
        }, ct);

    /// <summary>A volume's path on the host, or null when the pool has no such volume.</summary>
    public Task<string?> VolumePathAsync(Guid hostId, string name, CancellationToken ct) =>
        connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            using var volume = pool.LookupVolumeByName(name);
            return volume?.GetPath();
        }, ct);

    /// <summary>Grows a volume that no running guest has open (a running guest's disk grows through the domain instead).</summary>
    public Task ResizeVolumeAsync(Guid hostId, string name, long capacityBytes, CancellationToken ct) =>
        connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            using var volume = pool.LookupVolumeByName(name) ?? throw new NotFoundException($"Volume {name} is missing from the host's pool.");
            volume.Resize((ulong)capacityBytes);
        }, ct);

    /// <summary>Deletes a volume from the host's pool; false when it was not there.</summary>
    public Task<bool> DeleteVolumeAsync(Guid hostId, string name, CancellationToken ct) =>
        connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            using var volume = pool.LookupVolumeByName(name);
            if (volume is null)
                return false;
            volume.Delete();
            return true;
        }, ct);

    /// <summary>The base volume's path on the host, uploading and verifying it first when it is missing.</summary>
    private async Task<string> EnsureBaseAsync(Guid hostId, ImageContent image, CancellationToken ct)
    {
        string name = BaseVolumeName(image);
        var existing = await connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            using var volume = pool.LookupVolumeByName(name);
            return volume?.GetPath();
        }, ct);
        if (existing is not null)
        {
            if (_verified.ContainsKey((hostId, image.Sha256)))
                return existing;
            if (await HashOnHostAsync(hostId, name, image.SizeBytes, ct) == image.Sha256)
            {
                _verified[(hostId, image.Sha256)] = true;
                return existing;
            }
            log.LogWarning("Base volume {Name} on host {Host} does not match its hash; uploading it again", name, hostId);
            await connections.RunAsync(hostId, connection =>
            {
                using var pool = EnsurePortalPool(connection);
                if (UsersOf(pool, existing) > 0)
                    throw new ConflictException($"Base volume {name} on the host is damaged and overlays use it; it must be repaired by hand.");
                using var volume = pool.LookupVolumeByName(name);
                volume?.Delete();
            }, ct);
        }

        log.LogInformation("Uploading image {Image} ({Bytes} bytes) to host {Host}", image.Name, image.SizeBytes, hostId);
        var path = await connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            // Raw of exactly the file's size: the upload then writes the image file's bytes as they are, whatever
            // their format; the overlay names the real format explicitly.
            using var volume = pool.CreateVolume(StorageXmlBuilder.Volume(new VolumeSpec(name, ImageFormat.Raw, Math.Max(1, image.SizeBytes))));
            try
            {
                using var file = File.OpenRead(image.BlobPath);
                volume.Upload(connection, file, (ulong)image.SizeBytes);
                return volume.GetPath();
            }
            catch
            {
                volume.Delete();
                throw;
            }
        }, ct);
        string uploaded = await HashOnHostAsync(hostId, name, image.SizeBytes, ct);
        if (uploaded != image.Sha256)
        {
            await connections.RunAsync(hostId, connection =>
            {
                using var pool = EnsurePortalPool(connection);
                using var volume = pool.LookupVolumeByName(name);
                volume?.Delete();
            }, CancellationToken.None);
            throw new InvalidOperationException($"Image {image.Name} arrived damaged on the host (sha256 {uploaded}, expected {image.Sha256}).");
        }
        _verified[(hostId, image.Sha256)] = true;
        return path;
    }

    /// <summary>Reads the volume back through a download stream, so the check covers what the host really stored.</summary>
    private Task<string> HashOnHostAsync(Guid hostId, string name, long length, CancellationToken ct) =>
        connections.RunAsync(hostId, connection =>
        {
            using var pool = EnsurePortalPool(connection);
            using var volume = pool.LookupVolumeByName(name) ?? throw new InvalidOperationException($"Volume {name} vanished.");
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var stream = LibvirtSharp.Stream.Create(connection);
            volume.BeginDownload(stream, 0, (ulong)length);
            var buffer = new byte[256 * 1024];
            int received;
            while ((received = stream.Receive(buffer)) > 0)
                hash.AppendData(buffer, 0, received);
            stream.Finish();
            return Convert.ToHexStringLower(hash.GetHashAndReset());
        }, ct);

    /// <summary>The portal's dir pool on this host, defined, built and started when it is not.</summary>
    public StoragePool EnsurePortalPool(Connection connection)
    {
        var pool = connection.LookupStoragePoolByName(_options.PortalPoolName);
        if (pool is null)
        {
            pool = connection.DefineStoragePoolXml(StorageXmlBuilder.Pool(
                new PoolDefinition(Guid.Empty, _options.PortalPoolName, PoolTypes.Dir, _options.PortalPoolPath, null, null, null, null)));
            try
            {
                pool.Build(StoragePoolBuildFlags.New);
                pool.Autostart = true;
            }
            catch
            {
                pool.Undefine();
                pool.Dispose();
                throw;
            }
        }
        if (!pool.IsActive)
            pool.Create();
        return pool;
    }

    private static List<string> RemoveUnusedBases(StoragePool pool)
    {
        var volumes = pool.ListAllVolumes();
        try
        {
            var backings = volumes.Where(v => !v.Name.StartsWith(BasePrefix, StringComparison.Ordinal))
                .Select(v => BackingPath(v.GetXmlDescription())).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var removed = new List<string>();
            foreach (var volume in volumes.Where(v => v.Name.StartsWith(BasePrefix, StringComparison.Ordinal)))
            {
                if (backings.Contains(volume.GetPath()))
                    continue;
                volume.Delete();
                removed.Add(volume.Name);
            }
            return removed;
        }
        finally
        {
            foreach (var volume in volumes)
                volume.Dispose();
        }
    }

    private static int UsersOf(StoragePool pool, string basePath)
    {
        var volumes = pool.ListAllVolumes();
        try
        {
            return volumes.Count(v => BackingPath(v.GetXmlDescription()) == basePath);
        }
        finally
        {
            foreach (var volume in volumes)
                volume.Dispose();
        }
    }

    /// <summary>Time since the volume's file changed status (ctime); unknown (no timestamps) counts as old.</summary>
    private static TimeSpan Age(string volumeXml)
    {
        var ctime = XDocument.Parse(volumeXml).Root?.Element("target")?.Element("timestamps")?.Element("ctime")?.Value;
        if (ctime is null || !decimal.TryParse(ctime, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.MaxValue;
        return DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
    }

    private static string? BackingPath(string volumeXml) =>
        XDocument.Parse(volumeXml).Root?.Element("backingStore")?.Element("path")?.Value;
}
