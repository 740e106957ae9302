using System.Diagnostics;
using System.Security.Cryptography;
using LibvirtSharp;

namespace LibvirtSharp.Tests;

/// <summary>Removes pools (and their directories) left behind by a crashed earlier run.</summary>
public sealed class StorageSweepFixture
{
    public const string Prefix = "cps-lvs-";

    public StorageSweepFixture()
    {
        using var conn = Connection.Open(RealHostSweepFixture.Uri);
        foreach (var pool in conn.ListAllStoragePools())
        {
            using (pool)
            {
                if (pool.Name.StartsWith(Prefix, StringComparison.Ordinal))
                    StorageRealHostTests.RemovePool(pool);
            }
        }
        foreach (var dir in Directory.GetDirectories("/var/lib", Prefix + "*"))
            Directory.Delete(dir, recursive: true);
    }
}

/// <summary>Real dir pools and qcow2 volumes on the local qemu:///system.</summary>
[Trait("Category", "RealHost")]
public sealed class StorageRealHostTests : IClassFixture<StorageSweepFixture>, IDisposable
{
    private readonly Connection _conn = Connection.Open(RealHostSweepFixture.Uri);
    private readonly string _name = StorageSweepFixture.Prefix + Guid.NewGuid().ToString("N")[..8];
    private readonly StoragePool _pool;

    public StorageRealHostTests(StorageSweepFixture sweep)
    {
        _ = sweep;
        _pool = _conn.DefineStoragePoolXml(
            $"<pool type='dir'><name>{_name}</name><target><path>/var/lib/{_name}</path></target></pool>");
        _pool.Build();
        _pool.Create();
    }

    public void Dispose()
    {
        try
        {
            RemovePool(_pool);
        }
        finally
        {
            _pool.Dispose();
            _conn.Dispose();
        }
    }

    internal static void RemovePool(StoragePool pool)
    {
        if (!pool.IsActive)
            pool.Create();
        foreach (var vol in pool.ListAllVolumes())
        {
            using (vol)
                vol.Delete();
        }
        pool.Destroy();
        pool.Delete();
        pool.Undefine();
    }

    [Fact]
    public void Build_DirPool_CreatesDirectoryAndReportsSpace()
    {
        Assert.True(Directory.Exists($"/var/lib/{_name}"));
        var info = _pool.GetInfo();
        Assert.Equal(StoragePoolState.Running, info.State);
        Assert.True(info.CapacityBytes > 0);
        Assert.True(info.AvailableBytes > 0);
        Assert.True(info.AvailableBytes <= info.CapacityBytes);
    }

    [Fact]
    public void CreateVolume_Qcow2OverlayWithBackingStore_QemuImgShowsBackingFile()
    {
        using var baseVol = _pool.CreateVolume(
            "<volume><name>base.qcow2</name><capacity unit='MiB'>32</capacity><target><format type='qcow2'/></target></volume>");
        string basePath = baseVol.GetPath();
        using var overlay = _pool.CreateVolume(
            $"<volume><name>overlay.qcow2</name><capacity unit='MiB'>64</capacity><target><format type='qcow2'/></target>" +
            $"<backingStore><path>{basePath}</path><format type='qcow2'/></backingStore></volume>");

        string info = QemuImgInfo(overlay.GetPath());
        Assert.Contains($"backing file: {basePath}", info, StringComparison.Ordinal);
        Assert.Contains("backing file format: qcow2", info, StringComparison.Ordinal);
        Assert.Equal(64UL << 20, overlay.GetInfo().CapacityBytes);
        // An overlay starts with only its qcow2 header and tables: far less than its virtual size.
        Assert.True(overlay.GetInfo().AllocationBytes < 4UL << 20);

        overlay.Resize(128UL << 20);
        Assert.Equal(128UL << 20, overlay.GetInfo().CapacityBytes);
    }

    [Fact]
    public void Upload_ThenDownload_RoundTripsSameBytes()
    {
        var data = new byte[3 * 1024 * 1024 + 123];
        RandomNumberGenerator.Fill(data);
        using var vol = _pool.CreateVolume(
            $"<volume><name>blob.raw</name><capacity unit='bytes'>{data.Length}</capacity><target><format type='raw'/></target></volume>");

        using (var source = new MemoryStream(data))
            vol.Upload(_conn, source, (ulong)data.Length);
        using var downloaded = new MemoryStream();
        vol.Download(_conn, downloaded);

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(downloaded.ToArray()));
        Assert.Equal(data, File.ReadAllBytes(vol.GetPath()));
    }

    [Fact]
    public void Refresh_FileCreatedBehindLibvirtsBack_AppearsAsVolume()
    {
        File.WriteAllBytes($"/var/lib/{_name}/outside.raw", new byte[4096]);
        Assert.Null(_pool.LookupVolumeByName("outside.raw"));
        _pool.Refresh();
        using var vol = _pool.LookupVolumeByName("outside.raw");
        Assert.NotNull(vol);
        Assert.Equal(4096UL, vol.GetInfo().CapacityBytes);
    }

    [Fact]
    public void CreateVolumeFrom_Qcow2_CopiesContent()
    {
        using var source = _pool.CreateVolume(
            "<volume><name>src.raw</name><capacity unit='bytes'>65536</capacity><target><format type='raw'/></target></volume>");
        var data = new byte[65536];
        RandomNumberGenerator.Fill(data);
        using (var ms = new MemoryStream(data))
            source.Upload(_conn, ms, (ulong)data.Length);
        using var copy = _pool.CreateVolumeFrom(
            "<volume><name>copy.raw</name><capacity unit='bytes'>65536</capacity><target><format type='raw'/></target></volume>", source);
        Assert.Equal(data, File.ReadAllBytes(copy.GetPath()));
    }

    private static string QemuImgInfo(string path)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "info", "-U", path })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return output;
    }
}
